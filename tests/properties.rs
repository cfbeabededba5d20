//! Property tests (the fuzzing of this project: cargo fuzz needs a nightly toolchain, which
//! this machine cannot fetch). Arbitrary inputs to the front-matter split and parse, slugs,
//! aliases, request paths and the Markdown stage with link rewriting: no panic, and the
//! invariants that keep every output inside the site hold. `PROPTEST_CASES` raises the count
//! for long runs; failures found are kept in `tests/properties.proptest-regressions`.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use guide::markdown::{render, LinkContext, MarkdownSource};
use proptest::prelude::*;

fn markdownish() -> impl Strategy<Value = String> {
    let pieces = prop::collection::vec(
        prop_oneof![
            Just("# ".to_string()),
            Just("## Titre\n".to_string()),
            Just("[lien](@/projets/fiche.md#x)".to_string()),
            Just("[l](../../etc/passwd)".to_string()),
            Just("![image](photo.jpg)".to_string()),
            Just("![](%2e%2e/x.png)".to_string()),
            Just("[a](/themes/)".to_string()),
            Just("<!-- more -->\n".to_string()),
            Just("```rust\nfn x() {}\n```\n".to_string()),
            Just("| a | b |\n|---|---|\n| 1 | 2 |\n".to_string()),
            Just("« citation » ? ! ; : 20 %".to_string()),
            Just("<span lang=\"\">x</span>".to_string()),
            Just("[^1]\n\n[^1]: note\n".to_string()),
            "\\PC{0,30}",
            Just("\n".to_string()),
        ],
        0..40,
    );
    pieces.prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn splitting_front_matter_never_panics_and_keeps_the_text(text in "(---\r?\n)?\\PC{0,200}(\r?\n---\r?\n\\PC{0,50})?") {
        if let Ok(split) = guide::frontmatter::split(&text) {
            prop_assert!(text.contains(split.yaml));
            prop_assert!(text.ends_with(split.body));
            prop_assert!(split.body_line >= 3);
        }
    }

    #[test]
    fn parsing_yaml_never_panics(text in "\\PC{0,300}") {
        let _ = guide::yaml::parse_value(&text);
    }

    #[test]
    fn yaml_like_text_never_panics(text in "([a-z]{1,6}: (\\[|\\{|&a |\\*a |\"|'|-|[a-z0-9 ]{0,8})\n|  - [a-z]{0,5}\n|\t\n){0,20}") {
        let _ = guide::yaml::parse_value(&text);
        let _ = guide::yaml::locate(&text, &[guide::yaml::PathStep::Key("a".into()), guide::yaml::PathStep::Index(1)]);
    }

    #[test]
    fn slugs_are_url_safe_and_stable(text in "\\PC{0,80}") {
        let slug = guide::slug::slugify(&text);
        prop_assert!(slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{}", slug);
        prop_assert!(!slug.starts_with('-') && !slug.ends_with('-'));
        prop_assert_eq!(guide::slug::slugify(&slug), slug.clone());
        if !slug.is_empty() {
            let path = format!("{slug}/index.html");
            prop_assert!(guide::output::is_safe_relative(&path));
        }
    }

    #[test]
    fn accepted_aliases_stay_inside_the_output(alias in "/?([a-z.%\\\\:]{0,5}/){0,4}[a-z.]{0,5}") {
        if guide::content::alias_problem(&alias).is_none() {
            let trimmed = alias.trim_matches('/');
            if !trimmed.is_empty() {
                let path = format!("{trimmed}/index.html");
                prop_assert!(guide::output::is_safe_relative(&path), "{}", alias);
            }
        }
    }

    #[test]
    fn request_paths_never_climb_out(path in "/([a-z]{0,3}|\\.\\.|%2[eE]%2[eE]|%5[cC]|%2[fF]|\\.){0,6}") {
        if let Some(relative) = guide::serve::request_path(&path) {
            prop_assert!(!relative.split('/').any(|s| s == ".."), "{}", relative);
            prop_assert!(!relative.starts_with('/') && !relative.contains('\\'));
        }
    }

    #[test]
    fn the_markdown_stage_never_panics_and_rewrites_links_inside_the_site(body in markdownish()) {
        let pages = HashMap::from([("projets/fiche.md".to_string(), "/projets/fiche/".to_string())]);
        let assets = HashMap::from([("projets/photo.jpg".to_string(), "/projets/photo.jpg".to_string())]);
        let site_paths: HashSet<String> = ["themes/".to_string()].into();
        let ctx = LinkContext { pages: &pages, assets: &assets, site_paths: &site_paths, root: "/", raw_html: guide::config::RawHtmlMode::Allow, drafts: None };
        let source = MarkdownSource { body: &body, body_line: 4, source: Path::new("projets/autre.md"), display_path: Path::new("content/projets/autre.md"), draft: false };
        let rendered = render(&source, &ctx);
        prop_assert!(!rendered.html.contains("href=\"/etc/"));
        for d in &rendered.diagnostics {
            prop_assert!(d.line.unwrap_or(4) >= 4);
        }
        let _ = guide::lint::check_body(&body, 4, Path::new("a.md"));
        let _ = guide::typography::french(&body);
        // Typesetting never panics, is idempotent, and changes no markup.
        let once = guide::typography::typeset_html(&rendered.html);
        prop_assert_eq!(guide::typography::typeset_html(&once), once.clone());
        prop_assert_eq!(tags(&once), tags(&rendered.html));
    }

    #[test]
    fn typesetting_any_text_is_idempotent(text in "([a-zé' ;:!?«»\u{201C}\u{201D}&#0-9€%<>/=\u{a0}\u{202F}()@.-]|\\[|\\]|<em>|</em>|<code>|</code>|<p>|</p>|<span lang=\"en\">|</span>|https://x\\.org/\\?a=1;b|&amp;|&#39;){0,60}") {
        let once = guide::typography::typeset_html(&text);
        prop_assert_eq!(guide::typography::typeset_html(&once), once.clone());
        let plain = guide::typography::french(&text);
        prop_assert_eq!(guide::typography::french(&plain), plain.clone());
    }
}

/// The tags of an HTML text, in order.
fn tags(html: &str) -> Vec<&str> {
    html.match_indices('<')
        .map(|(at, _)| &html[at..at + html[at..].find('>').map_or(1, |e| e + 1)])
        .collect()
}
