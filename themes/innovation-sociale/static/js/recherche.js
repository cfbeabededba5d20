// Recherche dans le guide, avec l'API JavaScript de Pagefind (amélioration progressive).
//
// - lit ?q= (et les filtres ?themes=qvct,participation) dans l'adresse au chargement et lance
//   la recherche, pour qu'une recherche se partage comme un lien ;
// - à l'envoi du formulaire, met l'adresse à jour (history.replaceState) et cherche ;
// - affiche les résultats classés dans une liste numérotée de liens simples, annonce leur nombre
//   dans une zone aria-live, ne déplace jamais le focus de lui-même ;
// - lit la requête en français : l’élision est retirée (« l’innovation » → « innovation »,
//   l’index contient le mot seul), les mots trop courants (data-mots-vides) et les lettres
//   seules ne sont ni cherchés ni surlignés ;
// - écarte les réponses de secours de Pagefind (un mot inconnu y est remplacé par le plus long
//   mot de l’index qui le commence : « innvation » → « I ») et propose alors les mots de l’index
//   les plus proches (data-lexique, chargé seulement dans ce cas) ;
// - compte chaque case des filtres compte tenu des autres critères (et non de sa propre facette).
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

// Minuscules sans diacritiques, comme l’index de Pagefind.
function plier(mot) {
  return mot.toLocaleLowerCase("fr").normalize("NFD").replace(/\p{M}/gu, "");
}

const ELISION = /^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu|presqu)['’](?=\p{L})/iu;

// Les mots à chercher dans une requête : sans l’élision (« l’innovation » → « innovation »,
// l’index contient le mot seul), sans les mots trop courants ni les lettres seules, sauf dans
// une expression exacte entre guillemets droits, où seule l’élision est retirée.
function analyser(q, motsVides) {
  const exacte = /^\s*".+"\s*$/.test(q);
  const mots = [];
  const ecartes = [];
  for (const brut of q.replace(/["«»“”]/g, " ").split(/\s+/).filter(Boolean)) {
    const mot = brut.replace(ELISION, "").replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");
    const lettres = mot.replace(/[^\p{L}\p{N}]/gu, "");
    if (lettres.length === 0) continue;
    if (!exacte && (lettres.length < 2 || motsVides.has(plier(mot)))) ecartes.push(mot);
    else mots.push(mot);
  }
  return { mots, ecartes, exacte };
}

function prefixeCommun(a, b) {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

// Distance de Damerau-Levenshtein (transpositions comprises), arrêtée au-delà de `max`.
function distance(a, b, max) {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    let minLigne = Infinity;
    for (let j = 1; j <= b.length; j++) {
      const cout = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cout);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      minLigne = Math.min(minLigne, d[i][j]);
    }
    if (minLigne > max) return max + 1;
  }
  return d[a.length][b.length];
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
  const suggestions = document.getElementById("recherche-suggestions");
  const MOTS_VIDES = new Set((conteneur.dataset.motsVides || "").split(/\s+/).filter(Boolean).map(plier));
  const LEXIQUE = conteneur.dataset.lexique || null;

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
    // L'index d'un grand site est en parties (guide build les écrit dans part-N/ et les
    // liste dans guide-parties.json) : chacune est fusionnée à la principale, et Pagefind
    // trie leurs résultats ensemble et additionne leurs filtres.
    const reponse = await fetch(BUNDLE + "guide-parties.json");
    const parties = reponse.ok ? await reponse.json() : [];
    await Promise.all(
      parties.map((partie) => pagefind.mergeIndex(BUNDLE + partie, { baseUrl: "/", excerptEllipsis: "…" })),
    );
  } catch (erreur) {
    console.error("Recherche : impossible de charger Pagefind", erreur);
    // L'aperçu (guide serve) ne construit pas l'index : le dire, plutôt que « réessayez ».
    raison.textContent = document.querySelector("script[data-guide-apercu]")
      ? "L’aperçu (guide serve) ne construit pas l’index de recherche : pour essayer la recherche, construisez le site avec « guide build » et ouvrez-le par un serveur web."
      : "Le moteur de recherche n’a pas pu être chargé. Réessayez plus tard en rechargeant la page.";
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

    if (rechercheAvecMots && (donnees.locations || []).length === 0) {
      // Trouvée par le titre, le slug ou un synonyme d’un de ses termes (guide.yaml), pas par
      // son texte : on le dit, l’extrait n’ayant rien de surligné.
      const raison = document.createElement("p");
      raison.className = "resultat__raison";
      raison.textContent = "Le mot cherché n’est pas dans le texte de cette page, mais correspond à l’un de ses thèmes ou critères.";
      li.append(raison);
    }

    if (donnees.excerpt) {
      const extrait = document.createElement("p");
      extrait.className = "resultat__extrait";
      // L'extrait vient de Pagefind, construit à partir de nos propres pages : il ne contient que
      // du texte échappé et des <mark> autour des mots trouvés.
      // L’index sépare l’élision du mot (« l’ » + U+2060 + espace + « innovation ») : on les
      // recolle pour la lecture.
      // Pagefind rend les espaces insécables en espaces simples : on remet ceux de la typographie
      // française (avant « : ; ? ! » et après « « »).
      extrait.innerHTML = donnees.excerpt
        .replace(/\u2060\s?/g, "")
        .replace(/ ([:;?!»])/g, `${ESPACE}$1`)
        .replace(/« /g, `«${ESPACE}`);
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
  let rechercheAvecMots = false;
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

  // Pagefind ne mène pas deux recherches à la fois (la seconde laisse la première sans
  // réponse) : elles passent l’une après l’autre, même quand la personne relance la recherche
  // avant la fin de la précédente.
  let file = Promise.resolve();
  function rechercherEnFile(terme, options) {
    const suivante = file.then(() => pagefind.search(terme, options));
    file = suivante.catch(() => {});
    return suivante;
  }

  // Les comptes de chaque facette : ceux de la recherche avec tous les filtres, sauf pour une
  // facette où des cases sont cochées (« l’une ou l’autre ») : ses comptes sont ceux de la
  // recherche avec les filtres des autres facettes seulement.
  async function comptesSelonLesAutres(requete, filtres, reponse) {
    const comptes = { ...(reponse.filters || {}) };
    for (const f of facettes) {
      if (!(f.filtre in filtres)) continue;
      const autres = { ...filtres };
      delete autres[f.filtre];
      const sans = await rechercherEnFile(requete, { filters: autres });
      comptes[f.filtre] = (sans && sans.filters && sans.filters[f.filtre]) || {};
    }
    return comptes;
  }

  // Un mot est-il dans l’index, ou Pagefind a-t-il répondu avec un mot de secours (le plus long
  // mot de l’index qui commence le mot cherché, parfois une seule lettre) ? On regarde les mots
  // trouvés dans le premier résultat : ils doivent partager avec le mot cherché au moins
  // 60 % de ses lettres (trois au moins), ce que font ses formes fléchies (« négocier »,
  // « négociation ») et non « I » pour « innvation ».
  async function motConnu(mot, reponse) {
    const r = reponse || (await rechercherEnFile(mot, {}));
    if (!r || !r.results || r.results.length === 0) return false;
    const d = await r.results[0].data();
    const contenu = (d.content || "").split(" ");
    let candidats = (d.locations || []).map((i) => contenu[i] || "");
    if (candidats.length === 0) {
      // Trouvé dans les métadonnées seulement (titres et autres noms des termes).
      candidats = Object.values(d.meta || {}).join(" ").split(/[\s·]+/);
    }
    const cible = plier(mot).replace(/[^\p{L}\p{N}]/gu, "");
    const seuil = Math.min(cible.length, Math.max(3, Math.ceil(cible.length * 0.6)));
    // Le mot entier (« appui-conseil ») et ses parties (« conseil »), comme les indexe Pagefind.
    const formes = candidats.flatMap((c) => {
      const p = plier(c);
      return [p.replace(/[^\p{L}\p{N}]/gu, ""), ...p.split(/[^\p{L}\p{N}]+/u)];
    });
    return formes.some((f) => prefixeCommun(f, cible) >= seuil);
  }

  function afficherSuggestions(propositions) {
    suggestions.replaceChildren();
    suggestions.hidden = propositions.length === 0;
    if (propositions.length === 0) return;
    suggestions.append(`Essayez${ESPACE}: `);
    propositions.forEach((p, i) => {
      if (i > 0) suggestions.append(i === propositions.length - 1 ? " ou " : ", ");
      const a = document.createElement("a");
      a.href = adresseRecherche(p);
      a.textContent = p;
      suggestions.append(a);
    });
    suggestions.append(".");
  }

  function adresseRecherche(q) {
    const morceaux = [`q=${encodeURIComponent(q)}`];
    for (const f of facettes) {
      const slugs = f.cases.filter((c) => c.checked).map((c) => encodeURIComponent(c.value));
      if (slugs.length > 0) morceaux.push(`${encodeURIComponent(f.cle)}=${slugs.join(",")}`);
    }
    return `${window.location.pathname}?${morceaux.join("&")}`;
  }

  let lexique = null;
  async function chargerLexique() {
    if (lexique || !LEXIQUE) return lexique;
    try {
      const reponse = await fetch(LEXIQUE);
      lexique = await reponse.json();
    } catch (erreur) {
      console.error("Recherche : impossible de charger les suggestions", erreur);
      lexique = { mots: [], termes: [] };
    }
    return lexique;
  }

  // Les recherches proposées quand des mots sont inconnus : chaque mot inconnu remplacé par le
  // mot de l’index le plus proche (au plus une faute pour un mot court, deux ou trois pour un
  // long), puis les noms des termes du vocabulaire proches de la requête entière.
  async function proposer(requeteTapee, mots, inconnus) {
    const lex = await chargerLexique();
    if (!lex) return [];
    const proches = (mot) => {
      const p = plier(mot);
      const max = p.length <= 4 ? 1 : p.length <= 11 ? 2 : 3;
      const trouves = [];
      for (const [forme, pages] of lex.mots || []) {
        const d = distance(p, plier(forme), max);
        if (d <= max) trouves.push({ forme, d, pages });
      }
      trouves.sort((a, b) => a.d - b.d || b.pages - a.pages);
      // Les plus proches seulement (« innovation » pour « innvation », pas « animation »).
      return trouves.filter((t) => t.d === trouves[0].d).slice(0, 3).map((t) => t.forme);
    };
    const propositions = [];
    const premiers = new Map(inconnus.map((m) => [m, proches(m)]));
    // Une proposition par variante du premier mot inconnu, les autres remplacés par leur meilleure.
    // La requête telle qu’elle a été tapée, les mots inconnus remplacés.
    const [premier] = inconnus;
    const autres = inconnus.slice(1).map((m) => [m, premiers.get(m)[0]]);
    if (autres.every(([, v]) => v)) {
      for (const variante of premiers.get(premier) || []) {
        let texte = requeteTapee;
        for (const [m, v] of [[premier, variante], ...autres]) texte = texte.replace(m, v);
        propositions.push(texte);
      }
    }
    const entiere = plier(mots.join(" "));
    const maxTerme = Math.max(1, Math.min(3, Math.floor(entiere.length / 4)));
    for (const nom of lex.termes || []) {
      if (/^[\p{Ll}\p{N}-]+$/u.test(nom) && nom.includes("-")) continue; // un slug
      const deja = propositions.some((p) => plier(p) === plier(nom));
      if (!deja && distance(entiere, plier(nom), maxTerme) <= maxTerme) propositions.push(nom);
    }
    return propositions.slice(0, 5);
  }

  async function chercher() {
    const q = champ.value.trim();
    const { mots, ecartes, exacte } = analyser(q, MOTS_VIDES);
    const filtres = choixFiltres();
    const nbFiltres = nombreDeFiltres();
    const monTour = ++tour;
    afficherSuggestions([]);

    if (!q && nbFiltres === 0) {
      zone.replaceChildren();
      statut.textContent = "";
      mettreAJourComptes(totaux);
      return;
    }

    if (q && mots.length === 0) {
      // Rien à chercher : que des mots trop courants ou des lettres seules.
      zone.replaceChildren();
      mettreAJourComptes(totaux);
      const plusieurs = ecartes.length > 1;
      statut.textContent = `Aucune recherche pour ${guillemets(q)}${ESPACE}: ${plusieurs ? "ces mots sont trop courts ou trop courants" : "ce mot est trop court ou trop courant"} pour être recherché${plusieurs ? "s" : ""} seul${plusieurs ? "s" : ""}. Ajoutez un mot plus précis, par exemple ${guillemets("partage de la valeur")}.`;
      return;
    }

    const requete = q ? (exacte ? `"${mots.join(" ")}"` : mots.join(" ")) : null;
    rechercheAvecMots = requete !== null;
    zone.setAttribute("aria-busy", "true");
    let reponse;
    let inconnus = [];
    let comptes;
    try {
      reponse = await rechercherEnFile(requete, { filters: filtres });
      if (monTour !== tour) return;
      if (requete) {
        // Chaque mot doit être connu de l’index ; avec un seul mot, la réponse suffit.
        for (const m of mots) {
          if (!(await motConnu(m, mots.length === 1 && nbFiltres === 0 ? reponse : null))) inconnus.push(m);
        }
      }
      comptes = await comptesSelonLesAutres(requete, filtres, reponse);
    } catch (erreur) {
      console.error("Recherche : échec", erreur);
      if (monTour === tour) {
        zone.removeAttribute("aria-busy");
        statut.textContent = "La recherche a échoué. Réessayez en rechargeant la page.";
      }
      return;
    }
    if (monTour !== tour) return;

    if (inconnus.length > 0) {
      // Un mot inconnu : aucune page ne contient tous les mots. Les comptes le disent aussi.
      resultats = [];
      comptes = {};
    } else {
      resultats = (reponse && reponse.results) || [];
    }
    affiches = 0;
    mettreAJourComptes(comptes);

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

    let propositions = [];
    if (inconnus.length > 0) {
      propositions = await proposer(q, mots, inconnus);
      if (monTour !== tour) return;
    }
    zone.removeAttribute("aria-busy");

    // Le message, annoncé par la zone aria-live.
    const n = resultats.length;
    const avecFiltres = nbFiltres > 0 ? `, avec ${nbFiltres} ${pluriel(nbFiltres, "filtre", "filtres")}` : "";
    let message;
    if (n === 0 && inconnus.length > 0) {
      const noms = inconnus.map(guillemets).join(", ");
      message = `Aucun résultat pour ${guillemets(q)}${avecFiltres}${ESPACE}: ${pluriel(inconnus.length, `le mot ${noms} n’est`, `les mots ${noms} ne sont`)} dans aucune page du guide.`;
      message += propositions.length > 0
        ? ` Vouliez-vous dire ${propositions.map(guillemets).join(" ou ")}${ESPACE}?`
        : " Vérifiez l’orthographe ou essayez un mot plus général.";
    } else if (n === 0) {
      message = q
        ? `Aucun résultat pour ${guillemets(q)}${avecFiltres}. Vérifiez l’orthographe, essayez un mot plus général${nbFiltres > 0 ? " ou retirez des filtres" : ""}.`
        : "Aucun résultat pour ces filtres.";
    } else if (q) {
      message = `${n} ${pluriel(n, "résultat trouvé", "résultats trouvés")} pour ${guillemets(q)}${avecFiltres}`;
    } else {
      message = `${n} ${pluriel(n, "résultat correspond", "résultats correspondent")} aux filtres choisis`;
    }
    statut.textContent = message;
    afficherSuggestions(propositions);
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
