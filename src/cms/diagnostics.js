<script>
// guide: after each save, ask `guide serve` what `guide check` says of the saved page, and
// show it in French: a list at the bottom of the editor, and each message under its field.
(function () {
  var jeton = document.querySelector('meta[name="guide-jeton"]').content;
  function effacer() {
    document.querySelectorAll(".guide-diagnostic").forEach(function (n) { n.remove(); });
  }
  function libelles() {
    return Array.prototype.slice.call(document.querySelectorAll("label"));
  }
  // The label of the field `chemin` (["Entreprise", "Effectif"]): the first label that reads
  // the last name after the label of each parent.
  function champ(chemin) {
    var tous = libelles();
    var debut = 0;
    var trouve = null;
    chemin.forEach(function (nom) {
      for (var i = debut; i < tous.length; i++) {
        var texte = tous[i].textContent.trim();
        if (texte === nom || texte.indexOf(nom + " ") === 0) { trouve = tous[i]; debut = i + 1; return; }
      }
    });
    return trouve;
  }
  function montrer(reponse) {
    effacer();
    var erreurs = reponse.diagnostics || [];
    if (!erreurs.length) return;
    var boite = document.createElement("section");
    boite.className = "guide-diagnostic";
    boite.setAttribute("role", "alert");
    boite.setAttribute("aria-labelledby", "guide-diagnostics-titre");
    boite.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:40vh;overflow:auto;z-index:10000;background:#fff5f5;color:#3b0000;border-top:4px solid #b00020;padding:.75rem 1.25rem;font:15px/1.45 system-ui,sans-serif";
    var titre = document.createElement("h2");
    titre.id = "guide-diagnostics-titre";
    titre.style.cssText = "margin:0 0 .4rem;font-size:1rem";
    var nErreurs = erreurs.filter(function (d) { return d.gravite === "erreur"; }).length;
    titre.textContent = nErreurs
      ? "Enregistré, mais « guide check » trouve " + nErreurs + " erreur" + (nErreurs > 1 ? "s" : "") + " dans " + reponse.chemin + " : le site ne pourra pas être construit avant " + (nErreurs > 1 ? "leur" : "sa") + " correction."
      : "Enregistré. « guide check » signale " + erreurs.length + " point" + (erreurs.length > 1 ? "s" : "") + " à revoir dans " + reponse.chemin + ".";
    boite.appendChild(titre);
    var liste = document.createElement("ul");
    liste.style.cssText = "margin:0;padding-left:1.25rem";
    erreurs.forEach(function (d) {
      var texte = (d.gravite === "erreur" ? "Erreur" : "Attention") +
        (d.libelles.length ? " (" + d.libelles.join(" › ") + ")" : "") +
        (d.ligne ? ", ligne " + d.ligne : "") + " : " + d.message + (d.aide ? " — " + d.aide : "");
      var item = document.createElement("li");
      item.textContent = texte;
      liste.appendChild(item);
      var label = d.libelles.length ? champ(d.libelles) : null;
      if (label) {
        var note = document.createElement("p");
        note.className = "guide-diagnostic guide-diagnostic-champ";
        note.setAttribute("role", "alert");
        note.style.cssText = "margin:.25rem 0;padding:.3rem .5rem;border-left:4px solid #b00020;background:#fff5f5;color:#3b0000;font:14px/1.4 system-ui,sans-serif";
        note.textContent = d.message + (d.aide ? " — " + d.aide : "");
        // Decap puts the label alone in a top bar, then the widget: the note goes after the
        // widget, before the field's hint.
        var barre = label.nextElementSibling ? label : label.parentElement;
        (barre.nextElementSibling || barre).insertAdjacentElement("afterend", note);
      }
    });
    boite.appendChild(liste);
    document.body.appendChild(boite);
  }
  // Only the answer to the latest question is shown (a check on opening may end after the
  // check of a save made meanwhile).
  var derniere = 0;
  function verifierChemin(chemin) {
    var numero = ++derniere;
    return fetch("/__guide/cms/diagnostics?chemin=" + encodeURIComponent(chemin), {
      headers: { "X-Guide-Jeton": jeton },
    })
      .then(function (r) { return r.json(); })
      .then(function (reponse) { if (numero === derniere) montrer(reponse); })
      .catch(function () {});
  }
  function verifier(entry) {
    return verifierChemin(entry.get("path") ||
      ("content/" + entry.get("collection") + "/" + entry.get("slug") + ".md"));
  }
  CMS.registerEventListener({ name: "postSave", handler: function (e) { verifier(e.entry); } });
  // An existing page opened in the form: its diagnostics as soon as its fields are shown.
  var attente = null;
  function ouverture() {
    derniere++;
    effacer();
    if (attente) attente.disconnect();
    var m = /^#\/collections\/([^/]+)\/entries\/(.+)$/.exec(location.hash);
    if (!m) return;
    var chemin = "content/" + decodeURIComponent(m[1]) + "/" + decodeURIComponent(m[2]) + ".md";
    attente = new MutationObserver(function () {
      if (document.querySelector("label[for^='title-field-']")) {
        attente.disconnect();
        verifierChemin(chemin);
      }
    });
    attente.observe(document.body, { childList: true, subtree: true });
  }
  window.addEventListener("hashchange", ouverture);
  ouverture();
})();
</script>
