// RGAA 4.1 audit helper: runs axe-core (WCAG 2.1 A/AA) and DOM checks on the audit sample, at
// 375 px and 1280 px, in Debian's Chromium; writes scripts/rgaa/resultats.json.
// Usage: GUIDE_PUBLIC=/tmp/r-public node scripts/rgaa/audit.mjs
import { writeFileSync } from "node:fs";
import path from "node:path";
import { axeScript, demarrer, REPO } from "../../tests/browser/support.mjs";

export const ECHANTILLON = [
  "/", "/projets/entreprise-a-accord-temps-de-travail/", "/projets/", "/themes/",
  "/themes/dialogue-social/", "/maturite/", "/recherche/", "/guide-complet/", "/candidater/",
  "/accessibilite/", "/page-inexistante/",
];
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

const site = await demarrer();
const resultats = {};
try {
  for (const largeur of [320, 375, 1280]) {
    for (const chemin of ECHANTILLON) {
      const context = await site.browser.newContext({ locale: "fr-FR", viewport: { width: largeur, height: 900 } });
      const page = await context.newPage();
      const rep = await page.goto(`${site.origin}${chemin}`);
      await page.waitForTimeout(300);
      await page.addScriptTag({ path: axeScript() });
      const axe = await page.evaluate(async (values) => {
        const r = await window.axe.run(document, { runOnly: { type: "tag", values } });
        const f = (l) => l.map((v) => ({ id: v.id, n: v.nodes.length, cibles: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
        return { violations: f(r.violations), incomplete: f(r.incomplete), passes: r.passes.map((v) => v.id) };
      }, TAGS);
      const dom = await page.evaluate(() => {
        const q = (s) => [...document.querySelectorAll(s)];
        const vis = (e) => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
        const titres = q("h1,h2,h3,h4,h5,h6").map((h) => Number(h.tagName[1]));
        let saut = false;
        for (let i = 1; i < titres.length; i++) if (titres[i] > titres[i - 1] + 1) saut = true;
        const premier = q("a[href],button,input,select,textarea,[tabindex]")[0];
        const cible = premier && premier.getAttribute("href")?.startsWith("#") ? document.getElementById(premier.getAttribute("href").slice(1)) : null;
        return {
          lang: document.documentElement.lang,
          title: document.title,
          h1: q("h1").length,
          titres, saut,
          landmarks: { header: q("header,[role=banner]").length, nav: q("nav,[role=navigation]").length, main: q("main,[role=main]").length, footer: q("footer,[role=contentinfo]").length, search: q("[role=search],search").length },
          evitement: premier ? { texte: premier.textContent.trim(), href: premier.getAttribute("href"), cible: !!cible } : null,
          images: q("img").map((i) => ({ src: i.getAttribute("src"), alt: i.getAttribute("alt"), role: i.getAttribute("role") })),
          svg: q("svg").map((s) => ({ ariaHidden: s.getAttribute("aria-hidden"), role: s.getAttribute("role"), label: s.getAttribute("aria-label") || s.querySelector("title")?.textContent || null })),
          iframes: q("iframe,frame").length,
          tableaux: q("table").map((t) => ({ caption: !!t.querySelector("caption"), th: t.querySelectorAll("th").length, scope: t.querySelectorAll("th[scope]").length, role: t.getAttribute("role") })),
          champs: q("input:not([type=hidden]),select,textarea").map((c) => ({ type: c.type, id: c.id, label: !!(c.labels && c.labels.length) || !!c.getAttribute("aria-label") || !!c.getAttribute("aria-labelledby"), name: c.name })),
          formulaires: q("form").length,
          liensVides: q("a[href]").filter((a) => vis(a) && !a.textContent.trim() && !a.getAttribute("aria-label") && !a.querySelector("img[alt]:not([alt=''])")).length,
          liensTitle: q("a[title]").map((a) => ({ t: a.textContent.trim().slice(0, 60), title: a.getAttribute("title") })),
          langues: q("[lang]").filter((e) => e !== document.documentElement).map((e) => e.getAttribute("lang")),
          media: q("video,audio,object,embed,canvas").length,
          blink: q("marquee,blink").length,
          styleAttr: q("[style]").length,
          presentationTags: q("font,center,b,i,u,big,small,strike,tt").map((e) => e.tagName.toLowerCase()),
          listes: q("ul,ol,dl").length,
          abbr: q("abbr").length,
          metaViewport: document.querySelector("meta[name=viewport]")?.content || null,
          refresh: !!document.querySelector("meta[http-equiv=refresh]"),
          debordement: document.documentElement.scrollWidth > window.innerWidth + 1,
          targetBlank: q("a[target=_blank]").map((a) => ({ t: a.textContent.trim().slice(0, 60), title: a.getAttribute("title") })),
          cliquablesNonNatifs: q("[onclick]:not(a):not(button)").length,
          ariaLive: q("[aria-live],[role=status],[role=alert]").map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")),
          pdf: q("a[href$='.pdf']").length,
        };
      });
      // Keyboard: Tab through the page; each focused element must be visible, show a focus indicator
      // (outline or box-shadow) and the order must not go backwards in the document.
      const clavier = [];
      for (let i = 0; i < 400; i++) {
        await page.keyboard.press("Tab");
        const f = await page.evaluate(() => {
          const e = document.activeElement;
          if (!e || e === document.body) return null;
          const s = getComputedStyle(e);
          const r = e.getBoundingClientRect();
          const all = [...document.querySelectorAll("*")];
          return {
            tag: e.tagName.toLowerCase(), texte: (e.textContent || e.value || "").trim().slice(0, 40),
            ordre: all.indexOf(e),
            indicateur: (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || (s.boxShadow && s.boxShadow !== "none"),
            visible: r.width > 0 && r.height > 0,
            tabindex: e.getAttribute("tabindex"),
          };
        });
        if (!f) break;
        if (clavier.length && f.ordre === clavier[0].ordre) break;
        if (clavier.length && f.ordre === clavier[clavier.length - 1].ordre) { f.piege = true; clavier.push(f); break; }
        clavier.push(f);
      }
      const tabindexPositif = await page.evaluate(() => [...document.querySelectorAll("[tabindex]")].filter((e) => Number(e.getAttribute("tabindex")) > 0).length);
      // Text spacing/zoom: 200 % text via a 640 px viewport at 1280 is approximated by the 375 px run.
      resultats[`${largeur} ${chemin}`] = { statut: rep.status(), axe, dom, clavier, tabindexPositif };
      await context.close();
      process.stderr.write(`${largeur} ${chemin}: ${axe.violations.length} violation(s), ${axe.incomplete.length} à revoir\n`);
    }
  }
} finally {
  await site.fin();
}
writeFileSync(path.join(REPO, "scripts", "rgaa", "resultats.json"), JSON.stringify(resultats, null, 1) + "\n");
