//! Checks of a theme that Tera does not make, run when the templates are loaded.
//!
//! Tera 1.x renders an include cycle, or a macro that calls itself without end, by recursing
//! until the stack overflows, which aborts the whole process (`serve` included); and its
//! `get_env` function would let a theme publish the environment (CI secrets). So:
//! 1. `theme:` must name a folder of `themes/` (no `..`, no absolute path);
//! 2. the include/extends graph of the parsed templates must have no cycle: a template that
//!    includes itself, directly or through others, is refused, naming the chain; likewise the
//!    import/extends graph (Tera loads imported macros recursively, without end on a cycle);
//! 3. a call to `get_env` anywhere in a template is refused, naming the template and line;
//! 4. recursive macros stay allowed (a menu tree needs them), but every macro body starts with
//!    a call to [`MACRO_GUARD`], which fails the render with a message naming the macro when
//!    the thread's stack runs low, long before it overflows;
//! 5. `get_env` is replaced by a function that fails, should a call escape step 3.

pub mod counts;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use tera::ast::{Expr, ExprVal, FunctionCall, Node, WS};
use tera::{Tera, Value};

use crate::diagnostic::Diagnostic;

/// The start of the name of the function the guard node of each macro calls.
pub const MACRO_GUARD: &str = "__guide_garde_macro";

/// Stack a macro level may use before the next guard: below it, the guard refuses to go
/// deeper. One level of a debug build takes some tens of kilobytes; this leaves a wide margin.
const MIN_STACK: usize = 384 * 1024;

/// The message of a refused call to `get_env`.
const GET_ENV_REFUSED: &str = "la fonction get_env n'est pas disponible dans les gabarits : elle publierait les variables d'environnement de la machine (des secrets, en intégration continue)";

/// The hint that goes with it.
const GET_ENV_HINT: &str =
    "mettez la valeur dans la clé « extra » de guide.yaml et lisez-la avec {{ config.extra.… }}";

/// Checks that `theme` names a folder directly under `themes/`; the error points at the
/// `theme:` line of guide.yaml.
pub fn check_theme_name(root: &Path, theme: &str) -> Option<Diagnostic> {
    let mut components = Path::new(theme).components();
    let single = matches!(
        (components.next(), components.next()),
        (Some(std::path::Component::Normal(_)), None)
    );
    if single && !theme.contains(['/', '\\']) {
        return None;
    }
    let mut d = Diagnostic::error(format!(
        "la clé « theme » doit nommer un dossier de themes/, pas le chemin « {theme} »"
    ))
    .in_file(crate::config::CONFIG_FILE)
    .with_hint("écrivez seulement le nom du dossier du thème, par exemple « theme: plain » pour themes/plain/");
    let text = std::fs::read_to_string(root.join(crate::config::CONFIG_FILE)).unwrap_or_default();
    let key = [crate::yaml::PathStep::Key("theme".into())];
    if let Some(at) = crate::yaml::locate(&text, &key) {
        d = d
            .at(at.line, at.value_column, at.value_len)
            .with_source(&text);
    }
    Some(d)
}

/// What a template refers to, found by [`visit_nodes`].
enum Reference<'a> {
    /// `{% include "…" %}` (any of its names).
    Include(&'a str),
    /// A call of a function by name.
    Function(&'a str),
    /// A variable's path, as Tera writes it (`page.taxonomies["mots-cles"]`), also the one a
    /// test is applied to.
    Ident(&'a str),
}

fn visit_nodes<'a>(nodes: &'a [Node], visit: &mut impl FnMut(Reference<'a>)) {
    for node in nodes {
        match node {
            Node::VariableBlock(_, expr) => visit_expr(expr, visit),
            Node::MacroDefinition(_, definition, _) => {
                definition
                    .args
                    .values()
                    .flatten()
                    .for_each(|e| visit_expr(e, visit));
                visit_nodes(&definition.body, visit);
            }
            Node::Include(_, names, _) => names
                .iter()
                .for_each(|name| visit(Reference::Include(name))),
            Node::Set(_, set) => visit_expr(&set.value, visit),
            Node::FilterSection(_, section, _) => {
                visit_call_args(&section.filter, visit);
                visit_nodes(&section.body, visit);
            }
            Node::Block(_, block, _) => visit_nodes(&block.body, visit),
            Node::Forloop(_, forloop, _) => {
                visit_expr(&forloop.container, visit);
                visit_nodes(&forloop.body, visit);
                if let Some(body) = &forloop.empty_body {
                    visit_nodes(body, visit);
                }
            }
            Node::If(branches, _) => {
                for (_, condition, body) in &branches.conditions {
                    visit_expr(condition, visit);
                    visit_nodes(body, visit);
                }
                if let Some((_, body)) = &branches.otherwise {
                    visit_nodes(body, visit);
                }
            }
            Node::Super
            | Node::Text(_)
            | Node::Extends(..)
            | Node::ImportMacro(..)
            | Node::Raw(..)
            | Node::Break(_)
            | Node::Continue(_)
            | Node::Comment(..) => {}
        }
    }
}

fn visit_call_args<'a>(call: &'a FunctionCall, visit: &mut impl FnMut(Reference<'a>)) {
    call.args.values().for_each(|e| visit_expr(e, visit));
}

fn visit_expr<'a>(expr: &'a Expr, visit: &mut impl FnMut(Reference<'a>)) {
    visit_value(&expr.val, visit);
    expr.filters
        .iter()
        .for_each(|filter| visit_call_args(filter, visit));
}

fn visit_value<'a>(value: &'a ExprVal, visit: &mut impl FnMut(Reference<'a>)) {
    match value {
        ExprVal::Math(math) => {
            visit_expr(&math.lhs, visit);
            visit_expr(&math.rhs, visit);
        }
        ExprVal::Logic(logic) => {
            visit_expr(&logic.lhs, visit);
            visit_expr(&logic.rhs, visit);
        }
        ExprVal::In(within) => {
            visit_expr(&within.lhs, visit);
            visit_expr(&within.rhs, visit);
        }
        ExprVal::Test(test) => {
            visit(Reference::Ident(&test.ident));
            test.args.iter().for_each(|e| visit_expr(e, visit));
        }
        ExprVal::MacroCall(call) => call.args.values().for_each(|e| visit_expr(e, visit)),
        ExprVal::FunctionCall(call) => {
            visit(Reference::Function(&call.name));
            visit_call_args(call, visit);
        }
        ExprVal::Array(items) => items.iter().for_each(|e| visit_expr(e, visit)),
        ExprVal::StringConcat(concat) => concat.values.iter().for_each(|v| visit_value(v, visit)),
        ExprVal::Ident(ident) => visit(Reference::Ident(ident)),
        ExprVal::String(_) | ExprVal::Int(_) | ExprVal::Float(_) | ExprVal::Bool(_) => {}
    }
}

/// One parsed template of the theme, with its text (for line numbers).
pub struct ParsedTemplate<'a> {
    /// Tera's parse of the template.
    pub template: tera::Template,
    /// The template's text.
    pub text: &'a str,
}

/// The first 1-based line of `text` that contains every one of `needles`.
fn line_of(text: &str, needles: &[&str]) -> Option<usize> {
    text.lines()
        .position(|line| needles.iter().all(|n| line.contains(n)))
        .map(|i| i + 1)
}

/// Checks every template: no include cycle, no `get_env`. `display_dir` is the templates
/// folder as shown to the user.
pub fn check_templates(templates: &[ParsedTemplate<'_>], display_dir: &Path) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for parsed in templates {
        if calls_get_env(&parsed.template) {
            let name = &parsed.template.name;
            let mut d = Diagnostic::error(format!("{GET_ENV_REFUSED} (gabarit « {name} »)"))
                .in_file(display_dir.join(name))
                .with_hint(GET_ENV_HINT);
            if let Some(line) = line_of(parsed.text, &["get_env"]) {
                d = d.at_line(line).with_source(parsed.text);
            }
            diagnostics.push(d);
        }
    }
    diagnostics.extend(include_cycles(templates, display_dir));
    diagnostics
}

fn calls_get_env(template: &tera::Template) -> bool {
    let mut found = false;
    visit_nodes(&template.ast, &mut |reference| {
        found |= matches!(reference, Reference::Function("get_env"));
    });
    found
}

/// The two ways Tera follows a template into another one, each of which loops without end on a
/// cycle: rendering follows includes and parents; loading macros follows imports and parents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// `{% include %}` and `{% extends %}`.
    Include,
    /// `{% import %}` and `{% extends %}`.
    Import,
}

/// The templates each template leads to by `link`, and its parent.
fn graph<'a>(templates: &'a [ParsedTemplate<'_>], link: Link) -> BTreeMap<&'a str, Vec<&'a str>> {
    let known: std::collections::HashSet<&str> =
        templates.iter().map(|t| t.template.name.as_str()).collect();
    let mut graph = BTreeMap::new();
    for parsed in templates {
        let template = &parsed.template;
        let mut next = Vec::new();
        match link {
            Link::Include => visit_nodes(&template.ast, &mut |reference| {
                if let Reference::Include(name) = reference {
                    next.push(name);
                }
            }),
            Link::Import => next.extend(
                template
                    .imported_macro_files
                    .iter()
                    .map(|(f, _)| f.as_str()),
            ),
        }
        next.extend(template.parent.as_deref());
        next.retain(|name| known.contains(name));
        next.sort_unstable();
        next.dedup();
        graph.insert(template.name.as_str(), next);
    }
    graph
}

/// Every cycle of the render graph, once each, starting from its smallest name.
fn cycles<'a>(graph: &BTreeMap<&'a str, Vec<&'a str>>) -> Vec<Vec<&'a str>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn walk<'a>(
        name: &'a str,
        graph: &BTreeMap<&'a str, Vec<&'a str>>,
        marks: &mut HashMap<&'a str, Mark>,
        path: &mut Vec<&'a str>,
        found: &mut Vec<Vec<&'a str>>,
    ) {
        marks.insert(name, Mark::Open);
        path.push(name);
        for &next in graph.get(name).into_iter().flatten() {
            match marks.get(next) {
                Some(Mark::Done) => {}
                Some(Mark::Open) => {
                    let start = path.iter().position(|n| *n == next).unwrap_or(0);
                    let mut cycle = path[start..].to_vec();
                    let smallest = (0..cycle.len()).min_by_key(|&i| cycle[i]).unwrap_or(0);
                    cycle.rotate_left(smallest);
                    if !found.contains(&cycle) {
                        found.push(cycle);
                    }
                }
                None => walk(next, graph, marks, path, found),
            }
        }
        path.pop();
        marks.insert(name, Mark::Done);
    }
    let mut marks = HashMap::new();
    let mut found = Vec::new();
    for &name in graph.keys() {
        if !marks.contains_key(name) {
            walk(name, graph, &mut marks, &mut Vec::new(), &mut found);
        }
    }
    found
}

fn include_cycles(templates: &[ParsedTemplate<'_>], display_dir: &Path) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for link in [Link::Include, Link::Import] {
        for cycle in cycles(&graph(templates, link)) {
            // A cycle of parents alone is Tera's own error ("Circular extend").
            if !found.iter().any(|(_, c)| *c == cycle) {
                found.push((link, cycle));
            }
        }
    }
    found
        .into_iter()
        .map(|(link, cycle)| cycle_diagnostic(templates, display_dir, link, &cycle))
        .collect()
}

fn cycle_diagnostic(
    templates: &[ParsedTemplate<'_>],
    display_dir: &Path,
    link: Link,
    cycle: &[&str],
) -> Diagnostic {
    let (first, next) = (cycle[0], cycle.get(1).copied().unwrap_or(cycle[0]));
    let (verb, itself, plural) = match link {
        Link::Include => ("include", "s'inclut lui-même", "s'incluent"),
        Link::Import => ("import", "s'importe lui-même", "s'importent"),
    };
    let message = if cycle.len() == 1 {
        format!("le gabarit « {first} » {itself} : son rendu ne finirait jamais")
    } else {
        let chain: Vec<&str> = cycle.iter().chain([&first]).copied().collect();
        format!(
            "des gabarits {plural} en boucle : {} ; leur rendu ne finirait jamais",
            chain.join(" → ")
        )
    };
    let text = templates
        .iter()
        .find(|t| t.template.name == first)
        .map_or("", |t| t.text);
    let quoted = format!("\"{next}\"");
    let line = line_of(text, &[verb, &quoted])
        .or_else(|| line_of(text, &[verb, next]))
        .or_else(|| line_of(text, &["extends", next]));
    let hint = match link {
        Link::Include => "pour un rendu récursif (un menu en arbre), écrivez une macro qui s'appelle elle-même avec une condition d'arrêt",
        Link::Import => "une macro d'un gabarit s'appelle avec self:: ; n'importez pas un gabarit qui vous importe",
    };
    let mut d = Diagnostic::error(message)
        .in_file(display_dir.join(first))
        .with_hint(hint);
    if let Some(line) = line {
        d = d.at_line(line).with_source(text);
    }
    d
}

/// Puts a guard at the start of every macro of `tera`, registers it, and replaces `get_env`.
/// Each macro gets a guard function of its own, called without arguments (so a call costs no
/// allocation), which knows the names to put in its message.
pub fn guard(tera: &mut Tera) {
    let mut guards = Vec::new();
    for (template_name, template) in tera.templates.iter_mut() {
        for (macro_name, definition) in template.macros.iter_mut() {
            let function = format!("{MACRO_GUARD}:{template_name}:{macro_name}");
            let call = FunctionCall {
                name: function.clone(),
                args: HashMap::new(),
            };
            definition.body.insert(
                0,
                Node::VariableBlock(WS::default(), Expr::new(ExprVal::FunctionCall(call))),
            );
            guards.push((function, macro_name.clone(), template_name.clone()));
        }
    }
    for (function, macro_name, template_name) in guards {
        tera.register_function(&function, move |_: &HashMap<String, Value>| {
            macro_guard(&macro_name, &template_name)
        });
    }
    tera.register_function("get_env", |_: &HashMap<String, Value>| {
        Err::<Value, _>(tera::Error::msg(GET_ENV_REFUSED))
    });
}

/// Whether `message` is a refusal of [`guard`]'s functions (French, complete in itself).
pub fn is_guard_message(message: &str) -> bool {
    message.starts_with(GET_ENV_REFUSED) || message.starts_with(MACRO_REFUSED)
}

/// The start of the message of the macro guard.
const MACRO_REFUSED: &str = "la macro « ";

/// Fails when the stack left is too small for another level of macro.
fn macro_guard(macro_name: &str, template_name: &str) -> tera::Result<Value> {
    let enough = stacker::remaining_stack().is_none_or(|left| left >= MIN_STACK);
    if enough {
        return Ok(Value::String(String::new()));
    }
    Err(tera::Error::msg(format!(
        "{MACRO_REFUSED}{macro_name} » du gabarit « {template_name} » s'appelle elle-même sans fin (ou bien trop de fois) : vérifiez sa condition d'arrêt"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed<'a>(name: &str, text: &'a str) -> ParsedTemplate<'a> {
        ParsedTemplate {
            template: tera::Template::new(name, None, text).unwrap(),
            text,
        }
    }

    #[test]
    fn cycles_are_found_once_from_their_smallest_name() {
        let templates = [
            parsed("c.html", "{% include \"a.html\" %}"),
            parsed("a.html", "{% include \"b.html\" %}"),
            parsed("b.html", "{% include \"c.html\" %}{% include \"b.html\" %}"),
            parsed("d.html", "{% include \"a.html\" %}"),
        ];
        let mut found = cycles(&graph(&templates, Link::Include));
        found.sort();
        assert_eq!(
            found,
            vec![vec!["a.html", "b.html", "c.html"], vec!["b.html"]]
        );
    }

    #[test]
    fn imports_make_their_own_cycles_includes_do_not_join_them() {
        let templates = [
            parsed("m.html", "{% import \"m.html\" as m %}"),
            parsed("a.html", "{% include \"b.html\" %}"),
            parsed("b.html", "{% import \"a.html\" as a %}"),
        ];
        assert_eq!(
            cycles(&graph(&templates, Link::Import)),
            vec![vec!["m.html"]]
        );
        assert!(cycles(&graph(&templates, Link::Include)).is_empty());
    }

    #[test]
    fn a_missing_include_is_no_edge() {
        let templates = [parsed(
            "a.html",
            "{% include \"absent.html\" ignore missing %}",
        )];
        assert!(cycles(&graph(&templates, Link::Include)).is_empty());
    }

    #[test]
    fn theme_names_are_single_folders() {
        let root = Path::new("/nonexistent");
        assert!(check_theme_name(root, "plain").is_none());
        assert!(check_theme_name(root, "mon-thème").is_none());
        for bad in ["../x", "/etc", "a/b", "a\\b", ".", "..", ""] {
            assert!(check_theme_name(root, bad).is_some(), "{bad}");
        }
    }
}
