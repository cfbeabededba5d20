//! Which templates may show a term's page count.
//!
//! A save that adds a term to a case study, or takes one away, changes the counts of one or
//! two terms. Every template has `taxonomies`, with each term's `count`, but few show counts: a
//! case study shows its own terms and the menu the taxonomies' names. [`CountReaders`] reads
//! the theme's parsed templates once and says, for each, whether rendering it may read a count.
//! The outputs of the others do not depend on counts (`deps::Input::Counts`), so that such a
//! save renders again the pages that show counts or list the page, not every page.
//!
//! The answer over-approximates: a template that might read a count is said to. What a
//! template renders is its blocks as its parents place them (a parent's block only where no
//! child replaces it, or a child calls `super()`), the templates it includes and the macros it
//! calls, transitively. It may read a count when anything in it:
//! - names `count`: `t.count`, `t["count"]`, or the string `"count"` anywhere (as in
//!   `sort(attribute="count")`);
//! - reaches into a value that may hold terms by a key the template does not write: a
//!   subscript by a variable (`t[k]`), `get` with a key or a filter with an `attribute` that is
//!   not a string, a loop over keys and values (`for k, v in t`), `json_encode`;
//! - names `__tera_context`, the whole context.
//!
//! A value may hold terms when it comes from `taxonomies`, `taxonomy` or `term`, from a
//! function's result, or from a variable set, looped over or passed to a macro from such a
//! value: by the variable's name, whatever the scope, across everything the template renders.
//! Printing a term does not show its count: Tera prints an object as `[object]`.

use std::collections::{HashMap, HashSet};

use tera::ast::{Block, Expr, ExprVal, FunctionCall, MacroCall, Node};
use tera::{Template, Tera};

/// The field of a term that holds its page count.
const COUNT: &str = "count";

/// The variables of the context that hold terms with their counts.
const TERM_ROOTS: [&str; 3] = ["taxonomies", "taxonomy", "term"];

/// The templates of a theme whose rendering may read a term's page count.
#[derive(Debug, Default)]
pub struct CountReaders {
    /// Each template's answer, by name.
    templates: HashMap<String, bool>,
}

impl CountReaders {
    /// Reads every template of `tera`.
    pub fn of(tera: &Tera) -> Self {
        let templates = (tera.get_template_names())
            .map(|name| (name.to_string(), Facts::of(tera, name).may_read_counts()))
            .collect();
        Self { templates }
    }

    /// Whether rendering `template` may read a count; true of a template it does not know.
    pub fn may_read(&self, template: &str) -> bool {
        self.templates.get(template).copied().unwrap_or(true)
    }
}

/// What a variable is set from, or what a count could be reached through: the variables an
/// expression names and whether it calls a function.
#[derive(Debug, Default, Clone)]
struct Sources<'a> {
    names: Vec<&'a str>,
    calls: bool,
}

/// What everything a template renders does with its variables.
#[derive(Default)]
struct Facts<'a> {
    /// Whether something names `count` or `__tera_context`.
    names_count: bool,
    /// Each variable set, looped over or given to a macro, with what it comes from.
    bindings: Vec<(&'a str, Sources<'a>)>,
    /// Values reached into by a key the template does not write.
    reached: Vec<Sources<'a>>,
    templates: HashSet<&'a str>,
    blocks: HashSet<(&'a str, &'a str)>,
    macros: HashSet<(&'a str, &'a str)>,
}

impl<'a> Facts<'a> {
    fn of(tera: &'a Tera, name: &'a str) -> Self {
        let mut facts = Facts::default();
        facts.template(tera, name);
        facts
    }

    fn may_read_counts(&self) -> bool {
        if self.names_count {
            return true;
        }
        let mut holding: HashSet<&str> = TERM_ROOTS.into_iter().collect();
        let holds = |sources: &Sources<'_>, holding: &HashSet<&str>| {
            sources.calls || sources.names.iter().any(|name| holding.contains(name))
        };
        loop {
            let before = holding.len();
            for (name, sources) in &self.bindings {
                if holds(sources, &holding) {
                    holding.insert(name);
                }
            }
            if holding.len() == before {
                break;
            }
        }
        self.reached.iter().any(|sources| holds(sources, &holding))
    }

    /// Template `name` as Tera renders it: its top parent's nodes, each block taken from the
    /// nearest template of its chain that defines it. (What the others hold outside their
    /// blocks is read too: more than Tera renders, never less.)
    fn template(&mut self, tera: &'a Tera, name: &'a str) {
        if !self.templates.insert(name) {
            return;
        }
        let Ok(template) = tera.get_template(name) else {
            return;
        };
        let parents = (template.parents.iter()).filter_map(|parent| tera.get_template(parent).ok());
        for t in parents.rev().chain(std::iter::once(template)) {
            self.nodes(tera, template, &t.ast);
        }
    }

    /// Block `block` of the template `rendered`: its nearest definition, and the ones after
    /// it for as long as each calls `super()`.
    fn block(&mut self, tera: &'a Tera, rendered: &'a Template, block: &'a Block) {
        if !self.blocks.insert((&rendered.name, &block.name)) {
            return;
        }
        let chain = std::iter::once(rendered)
            .chain((rendered.parents.iter()).filter_map(|name| tera.get_template(name).ok()));
        let mut definitions = chain.filter_map(|t| t.blocks.get(&block.name)).peekable();
        if definitions.peek().is_none() {
            self.nodes(tera, rendered, &block.body);
        }
        for definition in definitions {
            self.nodes(tera, rendered, &definition.body);
            if !calls_super(&definition.body) {
                break;
            }
        }
    }

    /// The nodes of a body rendered for template `rendered`.
    fn nodes(&mut self, tera: &'a Tera, rendered: &'a Template, nodes: &'a [Node]) {
        for node in nodes {
            match node {
                Node::VariableBlock(_, expr) => self.expr(tera, expr),
                Node::Include(_, names, _) => {
                    names.iter().for_each(|name| self.template(tera, name));
                }
                Node::Set(_, set) => self.bind(tera, &set.key, &set.value),
                Node::FilterSection(_, section, _) => {
                    self.filter(tera, &section.filter, Sources::default());
                    self.nodes(tera, rendered, &section.body);
                }
                Node::Block(_, block, _) => self.block(tera, rendered, block),
                Node::Forloop(_, forloop, _) => {
                    self.bind(tera, &forloop.value, &forloop.container);
                    if let Some(key) = &forloop.key {
                        self.bind(tera, key, &forloop.container);
                        self.reached.push(sources(&forloop.container));
                    }
                    self.nodes(tera, rendered, &forloop.body);
                    if let Some(body) = &forloop.empty_body {
                        self.nodes(tera, rendered, body);
                    }
                }
                Node::If(branches, _) => {
                    for (_, condition, body) in &branches.conditions {
                        self.expr(tera, condition);
                        self.nodes(tera, rendered, body);
                    }
                    if let Some((_, body)) = &branches.otherwise {
                        self.nodes(tera, rendered, body);
                    }
                }
                // A macro's body counts where it is called; `super()` where its block is.
                Node::MacroDefinition(..)
                | Node::Super
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

    fn bind(&mut self, tera: &'a Tera, name: &'a str, value: &'a Expr) {
        self.expr(tera, value);
        self.bindings.push((name, sources(value)));
    }

    fn expr(&mut self, tera: &'a Tera, expr: &'a Expr) {
        self.value(tera, &expr.val);
        // What each filter is applied to: the value and the arguments of the filters before.
        let mut so_far = Sources::default();
        super::visit_value(&expr.val, &mut collector(&mut so_far));
        for filter in &expr.filters {
            self.filter(tera, filter, so_far.clone());
            for arg in filter.args.values() {
                super::visit_expr(arg, &mut collector(&mut so_far));
            }
        }
    }

    /// A filter applied to a value that comes from `applied_to`.
    fn filter(&mut self, tera: &'a Tera, filter: &'a FunctionCall, applied_to: Sources<'a>) {
        let unwritten = |arg: &str| {
            (filter.args.get(arg)).is_some_and(|e| !matches!(e.val, ExprVal::String(_)))
        };
        if filter.name == "json_encode"
            || (filter.name == "get" && unwritten("key"))
            || unwritten("attribute")
        {
            self.reached.push(applied_to);
        }
        filter.args.values().for_each(|arg| self.expr(tera, arg));
    }

    fn value(&mut self, tera: &'a Tera, value: &'a ExprVal) {
        match value {
            ExprVal::String(s) => self.names_count |= s == COUNT,
            ExprVal::Ident(ident) => self.ident(ident),
            ExprVal::Math(math) => {
                self.expr(tera, &math.lhs);
                self.expr(tera, &math.rhs);
            }
            ExprVal::Logic(logic) => {
                self.expr(tera, &logic.lhs);
                self.expr(tera, &logic.rhs);
            }
            ExprVal::In(within) => {
                self.expr(tera, &within.lhs);
                self.expr(tera, &within.rhs);
            }
            ExprVal::Test(test) => {
                self.ident(&test.ident);
                test.args.iter().for_each(|arg| self.expr(tera, arg));
            }
            ExprVal::MacroCall(call) => self.macro_call(tera, call),
            ExprVal::FunctionCall(call) => {
                call.args.values().for_each(|arg| self.expr(tera, arg));
            }
            ExprVal::Array(items) => items.iter().for_each(|e| self.expr(tera, e)),
            ExprVal::StringConcat(concat) => {
                concat.values.iter().for_each(|v| self.value(tera, v));
            }
            ExprVal::Int(_) | ExprVal::Float(_) | ExprVal::Bool(_) => {}
        }
    }

    fn ident(&mut self, ident: &'a str) {
        let parts = Ident::parse(ident);
        self.names_count |= parts.root == "__tera_context" || parts.keys.contains(&COUNT);
        for inner in parts.dynamic {
            self.reached.push(Sources {
                names: vec![parts.root],
                calls: false,
            });
            self.ident(inner);
        }
    }

    /// A macro call: every macro of that name, in any template (namespaces are not followed),
    /// with its parameters bound to the call's arguments and to their defaults.
    fn macro_call(&mut self, tera: &'a Tera, call: &'a MacroCall) {
        for (param, arg) in &call.args {
            self.bind(tera, param, arg);
        }
        let definitions: Vec<(&'a Template, &'a tera::ast::MacroDefinition)> = (tera.templates)
            .values()
            .filter_map(|t| t.macros.get(&call.name).map(|m| (t, m)))
            .collect();
        for (template, definition) in definitions {
            if !self.macros.insert((&template.name, &definition.name)) {
                continue;
            }
            for (param, default) in &definition.args {
                if let Some(default) = default {
                    self.bind(tera, param, default);
                }
            }
            self.nodes(tera, template, &definition.body);
        }
    }
}

/// The variables `expr` names (through its filters' and calls' arguments too) and whether it
/// calls a function.
fn sources(expr: &Expr) -> Sources<'_> {
    let mut found = Sources::default();
    super::visit_expr(expr, &mut collector(&mut found));
    found
}

/// What adds the variables and calls of the references it is given to `found`.
fn collector<'a, 'b>(found: &'b mut Sources<'a>) -> impl FnMut(super::Reference<'a>) + 'b {
    move |reference| match reference {
        super::Reference::Ident(ident) => add_roots(ident, &mut found.names),
        super::Reference::Function(_) => found.calls = true,
        super::Reference::Include(_) => {}
    }
}

/// The variable of `ident`, and those of its subscripts by a variable.
fn add_roots<'a>(ident: &'a str, names: &mut Vec<&'a str>) {
    let parts = Ident::parse(ident);
    names.push(parts.root);
    parts
        .dynamic
        .into_iter()
        .for_each(|inner| add_roots(inner, names));
}

/// A variable's path as Tera writes it: `page.taxonomies["mots-cles"]`, `menu[chemin]`.
#[derive(Debug, PartialEq)]
struct Ident<'a> {
    /// The variable: `page`, `menu`.
    root: &'a str,
    /// The keys written: `taxonomies`, `mots-cles`.
    keys: Vec<&'a str>,
    /// The subscripts by a variable: `chemin`.
    dynamic: Vec<&'a str>,
}

impl<'a> Ident<'a> {
    fn parse(ident: &'a str) -> Self {
        let end = ident.find(['.', '[']).unwrap_or(ident.len());
        let mut parsed = Ident {
            root: &ident[..end],
            keys: Vec::new(),
            dynamic: Vec::new(),
        };
        let mut rest = &ident[end..];
        while let Some(first) = rest.chars().next() {
            if first == '[' {
                let close = closing_bracket(rest);
                let inner = rest[1..close].trim();
                let quoted = inner.len() >= 2
                    && inner.starts_with(['"', '\'', '`'])
                    && inner.ends_with(['"', '\'', '`']);
                if quoted {
                    parsed.keys.push(&inner[1..inner.len() - 1]);
                } else if !inner.bytes().all(|b| b.is_ascii_digit()) {
                    parsed.dynamic.push(inner);
                }
                rest = &rest[(close + 1).min(rest.len())..];
            } else {
                let key = &rest[1..];
                let end = key.find(['.', '[']).unwrap_or(key.len());
                parsed.keys.push(&key[..end]);
                rest = &key[end..];
            }
        }
        parsed
    }
}

/// The index of the `]` that closes the `[` at the start of `text` (its length if none does).
fn closing_bracket(text: &str) -> usize {
    let mut depth = 0usize;
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'' | '`') => quote = Some(c),
            (None, '[') => depth += 1,
            (None, ']') => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    text.len()
}

/// Whether `nodes` call `super()`, outside the blocks they hold (a nested block's `super()` is
/// its own).
fn calls_super(nodes: &[Node]) -> bool {
    nodes.iter().any(|node| match node {
        Node::Super => true,
        Node::FilterSection(_, section, _) => calls_super(&section.body),
        Node::Forloop(_, forloop, _) => {
            calls_super(&forloop.body) || forloop.empty_body.as_deref().is_some_and(calls_super)
        }
        Node::If(branches, _) => {
            (branches.conditions.iter()).any(|(_, _, body)| calls_super(body))
                || (branches.otherwise.as_ref()).is_some_and(|(_, body)| calls_super(body))
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn readers(templates: &[(&str, &str)]) -> HashMap<String, bool> {
        let mut tera = Tera::default();
        tera.add_raw_templates(templates.to_vec()).unwrap();
        let readers = CountReaders::of(&tera);
        templates
            .iter()
            .map(|(name, _)| (name.to_string(), readers.may_read(name)))
            .collect()
    }

    fn reads(template: &str) -> bool {
        readers(&[("t.html", template)])["t.html"]
    }

    #[test]
    fn names_and_subscripts_are_parsed() {
        assert_eq!(
            Ident::parse(r#"page.taxonomies["mots-cles"][0]"#),
            Ident {
                root: "page",
                keys: vec!["taxonomies", "mots-cles"],
                dynamic: vec![],
            }
        );
        assert_eq!(
            Ident::parse("menu[liens[i]].url"),
            Ident {
                root: "menu",
                keys: vec!["url"],
                dynamic: vec!["liens[i]"],
            }
        );
    }

    #[test]
    fn a_count_named_or_reached_by_an_unwritten_key_is_read() {
        let read = [
            "{% for t in taxonomies %}{% for u in t.terms %}{{ u.count }}{% endfor %}{% endfor %}",
            r#"{{ term["count"] }}"#,
            r#"{{ taxonomies | first | get(key="terms") | sort(attribute="count") | length }}"#,
            "{% set k = 'x' %}{{ taxonomy.terms[0][k] }}",
            "{% for t in taxonomy.terms %}{% for k, v in t %}{{ v }}{% endfor %}{% endfor %}",
            "{% set x = taxonomies %}{% set y = x %}{{ y | json_encode }}",
            "{{ __tera_context }}",
            "{% for t in taxonomy.terms %}{{ t | get(key=cle) }}{% endfor %}",
        ];
        for template in read {
            assert!(reads(template), "{template}");
        }
        let not_read = [
            "{% for t in taxonomies %}<a href='{{ t.url }}'>{{ t.title }}</a>{{ t.terms | length }}{% endfor %}",
            "{% for k, v in page.taxonomies %}{{ k }}{% for t in v %}{{ t.title }}{% endfor %}{% endfor %}",
            "{% for tax in taxonomies %}{% set termes = page.taxonomies | get(key=tax.name, default=[]) %}{{ termes | length }}{% endfor %}",
            "{{ config.extra | json_encode }}{{ menu[chemin] }}",
        ];
        for template in not_read {
            assert!(!reads(template), "{template}");
        }
    }

    #[test]
    fn blocks_count_where_they_are_rendered_and_macros_where_they_are_called() {
        let found = readers(&[
            (
                "base.html",
                "{% block pied %}{% for t in taxonomy.terms %}{{ t.count }}{% endfor %}{% endblock %}",
            ),
            ("plain.html", r#"{% extends "base.html" %}"#),
            (
                "own.html",
                r#"{% extends "base.html" %}{% block pied %}rien{% endblock %}"#,
            ),
            (
                "super.html",
                r#"{% extends "base.html" %}{% block pied %}{{ super() }}{% endblock %}"#,
            ),
            (
                "m.html",
                "{% macro compte(t) %}{{ t.count }}{% endmacro %}{% macro titre(t) %}{{ t.title }}{% endmacro %}",
            ),
            (
                "calls.html",
                r#"{% import "m.html" as m %}{% for t in taxonomy.terms %}{{ m::titre(t=t) }}{% endfor %}"#,
            ),
            (
                "counts.html",
                r#"{% import "m.html" as m %}{% for t in taxonomy.terms %}{{ m::compte(t=t) }}{% endfor %}"#,
            ),
            ("includes.html", r#"{% include "counts.html" %}"#),
        ]);
        assert!(found["base.html"] && found["plain.html"] && found["super.html"]);
        assert!(!found["own.html"], "the child replaces the block");
        assert!(!found["calls.html"], "a macro that does not read is called");
        assert!(found["counts.html"] && found["includes.html"]);
        assert!(!found["m.html"], "a file of macros renders none of them");
    }
}
