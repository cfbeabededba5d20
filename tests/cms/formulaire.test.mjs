// The web form (/admin/, Decap CMS) served by `guide serve`, in headless Chromium: an editor
// creates a case study by filling the form, picking a theme and a maturity level from the
// lists, and saves; the file is written under content/projets/, `guide check` accepts it, and
// the preview, open in another tab, reloads with the new page. Then an error saved through
// the form is shown next to its field, in French.
//
// Run by tests/cms_browser.rs, which gives the binary (GUIDE_BIN) and a copy of the guide
// (GUIDE_SITE).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

import { launch } from "../browser/support.mjs";

const BIN = process.env.GUIDE_BIN;
const SITE = process.env.GUIDE_SITE;
const TITRE = "Entreprise Z : un test du formulaire";
const SLUG = "entreprise-z-un-test-du-formulaire";
const FICHIER = path.join(SITE ?? "", "content", "projets", `${SLUG}.md`);

let serveur;
let origine;
let browser;

before(async () => {
  assert.ok(BIN && SITE, "GUIDE_BIN and GUIDE_SITE must be set (tests/cms_browser.rs sets them)");
  serveur = spawn(BIN, ["serve", "--port", "0", "--root", SITE], { stdio: ["ignore", "pipe", "inherit"] });
  const lignes = createInterface({ input: serveur.stdout });
  origine = await new Promise((resolve, reject) => {
    serveur.once("exit", (code) => reject(new Error(`guide serve exited (${code})`)));
    lignes.once("line", (ligne) => resolve(ligne.replace("Serveur : ", "").replace(/\/$/, "")));
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  serveur?.kill();
});

/** Opens the form, past Decap's « Se connecter » (the local backend needs no account). */
async function formulaire(viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport, locale: "fr-FR" });
  const page = await context.newPage();
  page.erreurs = [];
  page.on("pageerror", (e) => page.erreurs.push(e.message));
  await page.goto(`${origine}/admin/`);
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.getByRole("link", { name: "Fiches projet" }).first().waitFor();
  return page;
}

/** Picks `option` in the list of choices labelled `label` (a react-select). */
async function choisir(page, label, option) {
  await page.getByLabel(label, { exact: true }).click();
  await page.getByRole("option", { name: option, exact: true }).click();
}

/** Adds one item to the list `label` and types `texte` in it. */
async function ajouter(page, bouton, label, texte) {
  await page.getByRole("button", { name: bouton }).click();
  const champ = page.locator(`[id^="${label}-field-"]`).locator("input").last();
  await champ.fill(texte);
}

/** Saves with « Publier › Publier maintenant » and waits for the entry's own address. */
async function publier(page) {
  await page.getByRole("button", { name: "Publier", exact: true }).click();
  await page.getByRole("menuitem", { name: "Publier maintenant" }).click();
}

test("a case study created with the form is written, accepted by guide check and shown by the preview", async () => {
  // The preview tab of the page to come: a 404 until the save, then reloaded by the server.
  const apercu = await browser.newPage();
  const absent = await apercu.goto(`${origine}/projets/${SLUG}/`);
  assert.equal(absent.status(), 404, "the page does not exist before the save");

  const page = await formulaire();
  await page.goto(`${origine}/admin/#/collections/projets/new`);
  await page.getByLabel("Titre", { exact: true }).fill(TITRE);
  await page.getByLabel("Résumé (optionnel)").fill("Une fiche écrite avec le formulaire de saisie.");
  await choisir(page, "Thèmes", "Dialogue social");
  await choisir(page, "Niveau de maturité", "Premiers outils");
  await choisir(page, "Forme de l’organisation", "SCOP");
  await choisir(page, "Taille", "10 à 49 salariés");
  await choisir(page, "Secteur d’activité", "Industrie");
  await choisir(page, "Territoire", "Auvergne-Rhône-Alpes");
  await page.getByLabel("Nom", { exact: true }).fill("Entreprise Z");
  await page.getByLabel("Effectif", { exact: true }).fill("24");
  await page.getByLabel("Activité", { exact: true }).fill("Chaudronnerie");
  await page.getByLabel("Jours d'appui-conseil", { exact: true }).fill("5");
  await page.getByLabel("Année", { exact: true }).fill("2017");
  await ajouter(page, "Ajouter financeurs", "financeurs", "Région Auvergne-Rhône-Alpes");
  await choisir(page, "Acteurs", "direction");
  await ajouter(page, "Ajouter résultats", "resultats", "Un comité d'atelier se réunit chaque mois.");
  await ajouter(page, "Ajouter enseignements", "enseignements", "Commencer petit.");
  await publier(page);
  await page.waitForURL(new RegExp(`#/collections/projets/entries/${SLUG}$`));

  assert.ok(existsSync(FICHIER), `${FICHIER} should exist after the save`);
  const texte = readFileSync(FICHIER, "utf8");
  assert.match(texte, /^---\n/, "YAML front matter first");
  assert.match(texte, /themes:\n\s+- dialogue-social\n/, `the theme is saved as its slug:\n${texte}`);
  assert.match(texte, /maturite: premiers-outils\n/, `the maturity level is saved as its slug:\n${texte}`);
  assert.match(texte, /## L'entreprise\n[\s\S]*## L'accompagnement/, `the section's headings are in the body:\n${texte}`);

  const check = spawnSync(BIN, ["check", "--root", SITE], { encoding: "utf8" });
  assert.equal(check.status, 0, `guide check should accept the saved page:\n${check.stderr}\n---\n${texte}`);

  // The preview tab reloads by itself (server-sent event) and shows the page.
  await apercu.waitForFunction((titre) => document.querySelector("h1")?.textContent.includes(titre), TITRE.split(" : ")[1]);
  const servie = await apercu.goto(`${origine}/projets/${SLUG}/`);
  assert.equal(servie.status(), 200);
  assert.deepEqual(page.erreurs, [], "no JavaScript error in the form");
  await page.context().close();
  await apercu.close();
});

test("an error saved through the form is shown next to its field, in French", async () => {
  const page = await formulaire();
  await page.goto(`${origine}/admin/#/collections/projets/entries/${SLUG}`);
  const resume = page.getByLabel("Résumé (optionnel)");
  await resume.waitFor();
  // Accepted by the form, refused by guide check: a link that would run code.
  await resume.fill("Voir [ce lien](javascript:alert(1)).");
  await publier(page);
  const note = page.locator(".guide-diagnostic-champ");
  await note.first().waitFor();
  const texte = await note.first().textContent();
  assert.match(texte, /javascript/, `the message says what is wrong: ${texte}`);
  const place = await page.evaluate(() => {
    const label = [...document.querySelectorAll("label")].find((l) => l.textContent.trim().startsWith("Résumé"));
    const champ = document.getElementById(label.htmlFor);
    const note = document.querySelector(".guide-diagnostic-champ");
    const avant = note?.previousElementSibling;
    return Boolean(champ && avant && (avant === champ || avant.contains(champ)));
  });
  assert.ok(place, "the message is placed right under the field « Résumé »");
  const liste = await page.locator("section.guide-diagnostic").textContent();
  assert.match(liste, /erreur/, `the list of the page's errors is shown: ${liste}`);
  // Opened again later, the page shows its error at once, before any save.
  const ailleurs = await formulaire();
  await ailleurs.goto(`${origine}/admin/#/collections/projets/entries/${SLUG}`);
  const encore = await ailleurs.locator(".guide-diagnostic-champ").first().textContent();
  assert.match(encore, /javascript/, `the error is shown on opening: ${encore}`);
  await ailleurs.context().close();
  await page.context().close();
});

test("the form fits a phone's width", async () => {
  const page = await formulaire({ width: 375, height: 800 });
  await page.goto(`${origine}/admin/#/collections/projets/new`);
  await page.getByLabel("Titre", { exact: true }).waitFor();
  const largeur = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(largeur <= 375 + 1, `no horizontal scrolling at 375 px (page is ${largeur} px wide)`);
  await page.context().close();
});
