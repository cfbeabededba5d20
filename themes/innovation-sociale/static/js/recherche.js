// Recherche dans le guide, avec l'API JavaScript de Pagefind (amélioration progressive).
//
// - lit ?q= (et les filtres ?themes=qvct,participation) dans l'adresse au chargement et lance
//   la recherche, pour qu'une recherche se partage comme un lien ;
// - à l'envoi du formulaire, met l'adresse à jour (history.replaceState) et cherche ;
// - affiche les résultats classés dans une liste numérotée de liens simples, annonce leur nombre
//   dans une zone aria-live, ne déplace jamais le focus de lui-même.
// Aucune dépendance, aucune étape de construction.

const conteneur = document.getElementById("recherche");
const PAR_PAGE = 10;
const ESPACE = "\u00a0"; // espace insécable, avant « : » et dans « … »

if (conteneur) {
  demarrer(conteneur);
}

function guillemets(texte) {
  return `«${ESPACE}${texte}${ESPACE}»`;
}

function pluriel(n, singulier, plurielForme) {
  return n === 1 ? singulier : plurielForme;
}

async function demarrer(conteneur) {
  const BUNDLE = conteneur.dataset.bundle || "/pagefind/";
  const RACINE = conteneur.dataset.racine || "/";
  const formulaire = document.getElementById("recherche-formulaire");
  const champ = document.getElementById("recherche-mots");
  const statut = document.getElementById("recherche-statut");
  const zone = document.getElementById("recherche-resultats");
  const secours = document.getElementById("recherche-secours");
  const raison = document.getElementById("recherche-secours-raison");
  const volet = document.getElementById("recherche-filtres");
  const actifs = document.getElementById("recherche-filtres-actifs");
  const reinitialiser = document.getElementById("recherche-reinitialiser");

  // JavaScript est là : le paragraphe d'explication n'a plus lieu d'être (sauf échec plus bas).
  secours.hidden = true;

  const facettes = volet
    ? Array.from(volet.querySelectorAll("fieldset[data-filtre]")).map((fieldset) => ({
        filtre: fieldset.dataset.filtre, // nom du filtre dans l'index Pagefind
        cle: fieldset.dataset.taxonomie, // nom du paramètre dans l'adresse
        titre: fieldset.dataset.titre,
        ordonnee: fieldset.dataset.ordonnee === "oui",
        fieldset,
        cases: Array.from(fieldset.querySelectorAll('input[type="checkbox"]')),
      }))
    : [];

  // État initial lu dans l'adresse.
  const parametres = new URLSearchParams(window.location.search);
  champ.value = parametres.get("q") || "";
  for (const f of facettes) {
    const voulus = new Set((parametres.get(f.cle) || "").split(",").map((s) => s.trim()).filter(Boolean));
    for (const c of f.cases) c.checked = voulus.has(c.value);
  }

  let pagefind;
  try {
    pagefind = await import(BUNDLE + "pagefind.js");
    // L'index enregistre des adresses qui contiennent déjà le chemin de base du site
    // (/guide/projets/…) : sans cette option, Pagefind le préfixerait une seconde fois
    // (sa valeur par défaut est le dossier parent du paquet). adresseResultat() ajoute la
    // racine si un index la laissait de côté.
    if (typeof pagefind.options === "function") await pagefind.options({ baseUrl: "/", excerptEllipsis: "…" });
    if (typeof pagefind.init === "function") await pagefind.init();
  } catch (erreur) {
    console.error("Recherche : impossible de charger Pagefind", erreur);
    raison.textContent = "Le moteur de recherche n’a pas pu être chargé. Réessayez plus tard en rechargeant la page.";
    secours.hidden = false;
    statut.textContent = "La recherche n’est pas disponible pour le moment.";
    return;
  }

  // Les filtres de l'index : on vérifie le nom de chacun (nom de la taxonomie, ou à défaut son titre).
  let totaux = {};
  if (facettes.length > 0 && typeof pagefind.filters === "function") {
    try {
      totaux = (await pagefind.filters()) || {};
    } catch {
      totaux = {};
    }
    for (const f of facettes) {
      if (!(f.filtre in totaux) && f.titre in totaux) f.filtre = f.titre;
    }
    const utilisables = facettes.filter((f) => f.filtre in totaux);
    for (const f of facettes) f.fieldset.hidden = !(f.filtre in totaux);
    if (utilisables.length > 0) {
      volet.hidden = false;
      mettreAJourComptes(totaux);
    }
  }

  function choixFiltres() {
    const choix = {};
    for (const f of facettes) {
      if (f.fieldset.hidden) continue;
      const valeurs = f.cases.filter((c) => c.checked).map((c) => c.dataset.valeur);
      if (valeurs.length > 0) choix[f.filtre] = { any: valeurs };
    }
    return choix;
  }

  function nombreDeFiltres() {
    let n = 0;
    for (const f of facettes) if (!f.fieldset.hidden) n += f.cases.filter((c) => c.checked).length;
    return n;
  }

  function mettreAJourComptes(comptes) {
    for (const f of facettes) {
      const valeurs = (comptes && comptes[f.filtre]) || {};
      for (const c of f.cases) {
        const n = valeurs[c.dataset.valeur] || 0;
        const span = c.parentElement.querySelector(".facette__compte");
        if (span) span.textContent = `(${n})`;
        c.closest("li").classList.toggle("facette__terme--vide", n === 0);
      }
    }
    const n = nombreDeFiltres();
    if (actifs) actifs.textContent = n === 0 ? "" : ` (${n} ${pluriel(n, "filtre actif", "filtres actifs")})`;
  }

  function ecrireAdresse() {
    const morceaux = [];
    const q = champ.value.trim();
    if (q) morceaux.push(`q=${encodeURIComponent(q)}`);
    for (const f of facettes) {
      const slugs = f.cases.filter((c) => c.checked).map((c) => encodeURIComponent(c.value));
      if (slugs.length > 0) morceaux.push(`${encodeURIComponent(f.cle)}=${slugs.join(",")}`);
    }
    const adresse = `${window.location.pathname}${morceaux.length > 0 ? `?${morceaux.join("&")}` : ""}`;
    window.history.replaceState(window.history.state, "", adresse);
  }

  function adresseResultat(url) {
    if (!url) return RACINE;
    if (/^(https?:)?\/\//.test(url) || url.startsWith(RACINE)) return url;
    return RACINE + url.replace(/^\//, "");
  }

  function titreDeFacette(filtre) {
    const f = facettes.find((x) => x.filtre === filtre || x.cle === filtre);
    return f ? f.titre : null;
  }

  // Une ligne « intitulé : valeur » des métadonnées d'un résultat.
  function ligneMeta(intitule, valeur) {
    const div = document.createElement("div");
    const dt = document.createElement("dt");
    dt.textContent = intitule;
    const dd = document.createElement("dd");
    dd.textContent = valeur;
    div.append(dt, dd);
    return div;
  }

  function elementResultat(donnees) {
    const meta = donnees.meta || {};
    const li = document.createElement("li");
    li.className = "resultat";

    const titre = document.createElement("h2");
    titre.className = "resultat__titre";
    const lien = document.createElement("a");
    lien.href = adresseResultat(donnees.url);
    lien.textContent = meta.title || donnees.url;
    titre.append(lien);
    li.append(titre);

    if (donnees.excerpt) {
      const extrait = document.createElement("p");
      extrait.className = "resultat__extrait";
      // L'extrait vient de Pagefind, construit à partir de nos propres pages : il ne contient que
      // du texte échappé et des <mark> autour des mots trouvés.
      extrait.innerHTML = donnees.excerpt;
      li.append(extrait);
    }

    // Thèmes et niveau de maturité (plus généralement : la première taxonomie, puis les
    // taxonomies ordonnées), lorsque la page en a.
    const noms = Object.keys(meta).filter((k) => k.startsWith("tax_") && meta[k]).map((k) => k.slice(4));
    const premiere = facettes.length > 0 ? facettes[0].cle : noms[0];
    const lignes = [];
    if (noms.includes(premiere) && !meta[`rank_${premiere}`]) {
      lignes.push(ligneMeta(titreDeFacette(premiere) || premiere, meta[`tax_${premiere}`].split(" · ").join(", ")));
    }
    for (const nom of noms) {
      const rang = meta[`rank_${nom}`];
      if (rang) lignes.push(ligneMeta(titreDeFacette(nom) || nom, `Niveau ${rang}${ESPACE}: ${meta[`tax_${nom}`]}`));
    }
    if (lignes.length > 0) {
      const dl = document.createElement("dl");
      dl.className = "resultat__meta";
      dl.append(...lignes);
      li.append(dl);
    }
    return li;
  }

  let tour = 0;
  let resultats = [];
  let affiches = 0;
  let liste = null;
  let boutonPlus = null;

  async function afficherSuite({ deplacerFocus }) {
    const monTour = tour;
    const tranche = resultats.slice(affiches, affiches + PAR_PAGE);
    const donnees = await Promise.all(tranche.map((r) => r.data()));
    if (monTour !== tour) return;
    const elements = donnees.map(elementResultat);
    liste.append(...elements);
    affiches += tranche.length;
    if (boutonPlus) {
      const reste = resultats.length - affiches;
      if (reste > 0) {
        boutonPlus.textContent = `Afficher ${Math.min(reste, PAR_PAGE)} ${pluriel(Math.min(reste, PAR_PAGE), "résultat", "résultats")} de plus`;
      } else {
        boutonPlus.remove();
        boutonPlus = null;
      }
    }
    // Seulement à la demande (bouton « Afficher plus ») : le focus va au premier nouveau lien,
    // pour ne pas laisser la personne au bas d'une liste qu'elle n'a pas lue.
    if (deplacerFocus && elements.length > 0) elements[0].querySelector("a").focus();
  }

  async function chercher() {
    const q = champ.value.trim();
    const filtres = choixFiltres();
    const nbFiltres = nombreDeFiltres();
    const monTour = ++tour;

    if (!q && nbFiltres === 0) {
      zone.replaceChildren();
      statut.textContent = "";
      mettreAJourComptes(totaux);
      return;
    }

    zone.setAttribute("aria-busy", "true");
    let reponse;
    try {
      reponse = await pagefind.search(q || null, { filters: filtres });
    } catch (erreur) {
      console.error("Recherche : échec", erreur);
      if (monTour === tour) {
        zone.removeAttribute("aria-busy");
        statut.textContent = "La recherche a échoué. Réessayez en rechargeant la page.";
      }
      return;
    }
    if (monTour !== tour) return;

    resultats = (reponse && reponse.results) || [];
    affiches = 0;
    mettreAJourComptes(reponse.filters || totaux);

    zone.replaceChildren();
    liste = null;
    boutonPlus = null;
    if (resultats.length > 0) {
      liste = document.createElement("ol");
      liste.className = "resultats";
      liste.setAttribute("aria-labelledby", "recherche-statut");
      zone.append(liste);
      if (resultats.length > PAR_PAGE) {
        boutonPlus = document.createElement("button");
        boutonPlus.type = "button";
        boutonPlus.className = "bouton-secondaire resultats__plus";
        boutonPlus.addEventListener("click", () => afficherSuite({ deplacerFocus: true }));
        zone.append(boutonPlus);
      }
      await afficherSuite({ deplacerFocus: false });
      if (monTour !== tour) return;
    }
    zone.removeAttribute("aria-busy");

    // Le message, annoncé par la zone aria-live.
    const n = resultats.length;
    const avecFiltres = nbFiltres > 0 ? `, avec ${nbFiltres} ${pluriel(nbFiltres, "filtre", "filtres")}` : "";
    let message;
    if (n === 0) {
      message = q
        ? `Aucun résultat pour ${guillemets(q)}${avecFiltres}. Vérifiez l’orthographe, essayez un mot plus général${nbFiltres > 0 ? " ou retirez des filtres" : ""}.`
        : "Aucun résultat pour ces filtres.";
    } else if (q) {
      message = `${n} ${pluriel(n, "résultat trouvé", "résultats trouvés")} pour ${guillemets(q)}${avecFiltres}`;
    } else {
      message = `${n} ${pluriel(n, "résultat correspond", "résultats correspondent")} aux filtres choisis`;
    }
    statut.textContent = message;
  }

  formulaire.addEventListener("submit", (e) => {
    e.preventDefault();
    ecrireAdresse();
    chercher();
  });
  if (volet) {
    volet.addEventListener("change", () => {
      ecrireAdresse();
      chercher();
    });
  }
  if (reinitialiser) {
    reinitialiser.addEventListener("click", () => {
      for (const f of facettes) for (const c of f.cases) c.checked = false;
      ecrireAdresse();
      chercher();
    });
  }

  if (nombreDeFiltres() > 0 && volet) volet.open = true;
  if (champ.value.trim() || nombreDeFiltres() > 0) chercher();
}
