// Filtres par facettes de la liste des projets (amélioration progressive).
//
// La page contient déjà, masqués, le formulaire des facettes (une case à cocher par terme de
// chaque taxonomie) et les cartes, chacune portant ses termes dans des attributs
// data-<taxonomie>="slug1 slug2". Ce script affiche le formulaire, masque les cartes qui ne
// correspondent pas (attribut hidden sur l'élément de liste), tient à jour le nombre de projets
// de chaque terme, garde l'état dans l'adresse (?themes=qvct,participation&maturite=emergence)
// et annonce le nombre de projets affichés. Sans JavaScript, la liste reste complète et une note
// (#facettes-sans-js, masquée ici) le dit et mène aux pages de chaque critère.
//
// Règle : « ou » entre les termes cochés d'une même taxonomie, « et » entre taxonomies.

const racine = document.getElementById("facettes");
const formulaire = document.getElementById("facettes-formulaire");
const statut = document.getElementById("facettes-statut");

if (racine && formulaire && statut) {
  initialiser();
}

function initialiser() {
  const liste = racine.closest(".liste-facettee");
  const elements = Array.from(liste.querySelectorAll(".cartes > li"));
  const volet = document.getElementById("facettes-volet");
  const actifs = document.getElementById("facettes-actifs");
  const reinitialiser = document.getElementById("facettes-reinitialiser");

  // Les facettes : une par fieldset, avec ses cases.
  const facettes = Array.from(formulaire.querySelectorAll("fieldset[data-taxonomie]")).map((fieldset) => ({
    nom: fieldset.dataset.taxonomie,
    fieldset,
    cases: Array.from(fieldset.querySelectorAll('input[type="checkbox"]')),
  }));

  // Les termes de chaque carte, par taxonomie.
  const cartes = elements.map((li) => {
    const article = li.querySelector(".carte") || li;
    const termes = {};
    for (const f of facettes) {
      const valeur = article.getAttribute(`data-${f.nom}`) || "";
      termes[f.nom] = new Set(valeur.split(/\s+/).filter(Boolean));
    }
    return { li, termes };
  });

  // Un terme qu'aucune carte de la liste ne porte n'est pas proposé ; une facette sans terme non plus.
  for (const f of facettes) {
    let visibles = 0;
    for (const c of f.cases) {
      const present = cartes.some((carte) => carte.termes[f.nom].has(c.value));
      c.closest("li").hidden = !present;
      if (present) visibles += 1;
    }
    f.fieldset.hidden = visibles === 0;
  }
  const utiles = facettes.filter((f) => !f.fieldset.hidden);
  if (utiles.length === 0) return;

  // État initial lu dans l'adresse.
  const parametres = new URLSearchParams(window.location.search);
  for (const f of utiles) {
    // « ?themes=a,b » (ce que ce script écrit) ou « ?themes=a&themes=b » (un envoi du formulaire).
    const voulus = new Set(parametres.getAll(f.nom).join(",").split(",").map((s) => s.trim()).filter(Boolean));
    for (const c of f.cases) c.checked = voulus.has(c.value) && !c.closest("li").hidden;
  }

  function selection() {
    const choix = {};
    for (const f of utiles) {
      const coches = f.cases.filter((c) => c.checked).map((c) => c.value);
      if (coches.length > 0) choix[f.nom] = new Set(coches);
    }
    return choix;
  }

  // Une carte convient si, pour chaque taxonomie filtrée (sauf « sauf »), elle porte un des termes cochés.
  function convient(carte, choix, sauf) {
    for (const [nom, voulus] of Object.entries(choix)) {
      if (nom === sauf) continue;
      let trouve = false;
      for (const t of voulus) {
        if (carte.termes[nom].has(t)) { trouve = true; break; }
      }
      if (!trouve) return false;
    }
    return true;
  }

  function ecrireAdresse(choix) {
    const autres = new URLSearchParams(window.location.search);
    for (const f of utiles) autres.delete(f.nom);
    const morceaux = [];
    for (const f of utiles) {
      if (choix[f.nom]) {
        morceaux.push(`${encodeURIComponent(f.nom)}=${Array.from(choix[f.nom]).map(encodeURIComponent).join(",")}`);
      }
    }
    const reste = autres.toString();
    if (reste) morceaux.push(reste);
    const recherche = morceaux.length > 0 ? `?${morceaux.join("&")}` : "";
    const adresse = `${window.location.pathname}${recherche}${window.location.hash}`;
    if (adresse !== `${window.location.pathname}${window.location.search}${window.location.hash}`) {
      window.history.replaceState(window.history.state, "", adresse);
    }
  }

  function appliquer({ annoncer = true, adresse = true } = {}) {
    const choix = selection();
    let affiches = 0;
    for (const carte of cartes) {
      const ok = convient(carte, choix, null);
      carte.li.hidden = !ok;
      if (ok) affiches += 1;
    }

    // Nombre de projets de chaque terme, compte tenu des filtres des autres taxonomies.
    for (const f of utiles) {
      for (const c of f.cases) {
        if (c.closest("li").hidden) continue;
        let n = 0;
        for (const carte of cartes) {
          if (carte.termes[f.nom].has(c.value) && convient(carte, choix, f.nom)) n += 1;
        }
        const compte = c.parentElement.querySelector(".facette__compte");
        if (compte) compte.textContent = `(${n})`;
        c.closest("li").classList.toggle("facette__terme--vide", n === 0);
      }
    }

    const nbCoches = Object.values(choix).reduce((total, s) => total + s.size, 0);
    if (actifs) {
      actifs.textContent = nbCoches === 0 ? "" : ` (${nbCoches === 1 ? "1 filtre actif" : `${nbCoches} filtres actifs`})`;
    }

    let message;
    if (nbCoches === 0) {
      message = `${affiches === 1 ? "1 projet affiché" : `${affiches} projets affichés`}.`;
    } else if (affiches === 0) {
      message = "Aucun projet ne correspond à ces filtres. Décochez un critère ou réinitialisez les filtres.";
    } else {
      message = `${affiches === 1 ? "1 projet affiché" : `${affiches} projets affichés`} sur ${cartes.length}.`;
    }
    if (annoncer || statut.textContent === "") statut.textContent = message;
    if (adresse) ecrireAdresse(choix);
  }

  racine.hidden = false;
  liste.classList.add("liste-facettee--active");
  // Les filtres marchent : la note pour les navigateurs sans JavaScript cède la place.
  const sansJs = document.getElementById("facettes-sans-js");
  if (sansJs) sansJs.hidden = true;

  // Volet ouvert sur grand écran (colonne de gauche) ; replié sur petit écran, où son titre
  // dit combien de filtres sont actifs et le message, combien de projets sont affichés.
  appliquer({ annoncer: true, adresse: false });
  if (volet && window.matchMedia("(min-width: 62rem)").matches) volet.open = true;

  formulaire.addEventListener("change", () => appliquer());
  formulaire.addEventListener("submit", (e) => { e.preventDefault(); appliquer(); });
  reinitialiser.addEventListener("click", () => {
    for (const f of utiles) for (const c of f.cases) c.checked = false;
    appliquer();
  });
}
