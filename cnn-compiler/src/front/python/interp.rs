//! The evaluator: runs the part of Python that builds models (functions,
//! loops, conditions, unpacking, comprehensions, string formatting) over the
//! syntax tree, with Keras' classes and functions as symbolic objects. What
//! it cannot know while reading (data, a helper it has not seen) is a value
//! that is an error only where the model depends on it.

use super::super::keras_py::{Pos, TextError};
use super::format;
use super::keras::{Input, Item, Layer, Model, ModelKind, Node, Op, Sequential};
use super::layer_args;
use super::syntax::Lines;
use super::value::{
    arithmetic, equal, less, to_str, truthy, Body, Builtin, External, Function, Opaque, Value,
};
use super::{err, Args, Kwargs, R};
use rustpython_parser::ast::{self, Ranged};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// Statements and expressions evaluated in all (a `while True:` ends here).
pub const MAX_STEPS: usize = 2_000_000;
/// Expressions within expressions, statements within calls within calls.
pub const MAX_DEPTH: usize = 200;
/// Calls within calls (recursion).
pub const MAX_CALLS: usize = 64;
/// Items of a list or tuple, characters of a string.
pub const MAX_ITEMS: usize = 100_000;
/// Lists, tuples, dicts and functions made, weighted (a dict counts two, a
/// function three): what a chain of them nested in one another needs to be
/// dropped stays within the stack of a compiler thread.
pub const MAX_OBJECTS: usize = 10_000;

/// A comprehension goes over data: its value is unknown (never shown).
const DATA: &str = "\u{0}data";

/// The message of an error that only follows from an earlier one (a name
/// whose assignment failed): dropped before errors are shown.
pub const FOLLOW_ON: &str = "";

/// Names and their values: a module's, or a function call's (whose parent is
/// the scope the function was defined in).
pub struct Scope<'a> {
    vars: RefCell<HashMap<String, Value<'a>>>,
    parent: Option<Rc<Scope<'a>>>,
    /// Names declared `global` here.
    globals: RefCell<HashSet<String>>,
}

impl<'a> Scope<'a> {
    pub fn new(parent: Option<Rc<Scope<'a>>>) -> Rc<Self> {
        Rc::new(Scope {
            vars: RefCell::new(HashMap::new()),
            parent,
            globals: RefCell::new(HashSet::new()),
        })
    }

    fn get(&self, name: &str) -> Option<Value<'a>> {
        if let Some(v) = self.vars.borrow().get(name) {
            return Some(v.clone());
        }
        self.parent.as_ref().and_then(|p| p.get(name))
    }

    fn root(self: &Rc<Self>) -> Rc<Self> {
        match &self.parent {
            Some(p) => p.root(),
            None => self.clone(),
        }
    }
}

enum Flow<'a> {
    Next,
    Return(Value<'a>),
    Break,
    Continue,
}

pub struct Interp<'a> {
    pub lines: &'a Lines<'a>,
    text: &'a str,
    pub globals: Rc<Scope<'a>>,
    pub graph: Vec<Node>,
    /// Keras' automatic names: how many of each prefix were made.
    uids: HashMap<String, usize>,
    steps: usize,
    depth: usize,
    calls: usize,
    /// Every model assigned to a name, in the order of the assignments.
    pub assigned: Vec<(String, Rc<Model>)>,
    /// Every model made, in order.
    pub models: Vec<Rc<Model>>,
    /// Models used inside other models.
    pub nested: HashSet<*const Model>,
    /// Tensor shapes computed so far, by node.
    shapes: HashMap<usize, Vec<usize>>,
    /// Every scope made, and every list or dict the code changed: emptied
    /// when reading ends, as they may hold themselves (a closure in its own
    /// scope, `items.append(items)`), which reference counting never frees.
    scopes: Vec<std::rc::Weak<Scope<'a>>>,
    changed: Vec<Value<'a>>,
    changed_at: HashSet<usize>,
}

impl Drop for Interp<'_> {
    fn drop(&mut self) {
        let mut freed = Vec::new();
        for scope in self.scopes.drain(..).filter_map(|s| s.upgrade()) {
            freed.extend(std::mem::take(&mut *scope.vars.borrow_mut()).into_values());
        }
        for container in self.changed.drain(..) {
            match &container {
                Value::List(l) => freed.extend(std::mem::take(&mut *l.borrow_mut())),
                Value::Dict(d) => {
                    for (k, v) in std::mem::take(&mut *d.borrow_mut()) {
                        freed.push(k);
                        freed.push(v);
                    }
                }
                _ => {}
            }
        }
        drop(freed);
    }
}

fn follow_on(pos: Pos) -> TextError {
    err(pos, FOLLOW_ON)
}

impl<'a> Interp<'a> {
    pub fn new(text: &'a str, lines: &'a Lines<'a>) -> Self {
        super::value::reset_made();
        let globals = Scope::new(None);
        let scopes = vec![Rc::downgrade(&globals)];
        globals
            .vars
            .borrow_mut()
            .insert("__name__".to_string(), Value::str("__main__"));
        Interp {
            lines,
            text,
            globals,
            graph: Vec::new(),
            uids: HashMap::new(),
            steps: 0,
            depth: 0,
            calls: 0,
            assigned: Vec::new(),
            models: Vec::new(),
            nested: HashSet::new(),
            shapes: HashMap::new(),
            scopes,
            changed: Vec::new(),
            changed_at: HashSet::new(),
        }
    }

    fn new_scope(&mut self, parent: &Rc<Scope<'a>>) -> Rc<Scope<'a>> {
        let scope = Scope::new(Some(parent.clone()));
        self.scopes.push(Rc::downgrade(&scope));
        scope
    }

    /// Notes that the code changed `container` (a list or dict), so that it
    /// is emptied when reading ends.
    pub fn changed(&mut self, container: &Value<'a>) {
        let at = match container {
            Value::List(l) => Rc::as_ptr(l) as usize,
            Value::Dict(d) => Rc::as_ptr(d) as usize,
            _ => return,
        };
        if self.changed_at.insert(at) {
            self.changed.push(container.clone());
        }
    }

    fn pos(&self, node: &impl Ranged) -> Pos {
        self.lines.of(node)
    }

    /// The code of `node`, as written (for messages).
    pub fn source(&self, node: &impl Ranged) -> String {
        let range = node.range();
        let text = self
            .text
            .get(range.start().to_usize()..range.end().to_usize())
            .unwrap_or("?");
        let mut shown: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if shown.chars().count() > 60 {
            shown = shown.chars().take(57).collect::<String>() + "...";
        }
        shown
    }

    /// Keras' automatic name for the next object with this prefix.
    pub fn auto_name(&mut self, prefix: &str) -> String {
        let count = self.uids.entry(prefix.to_string()).or_insert(0);
        let name = if *count == 0 {
            prefix.to_string()
        } else {
            format!("{prefix}_{count}")
        };
        *count += 1;
        name
    }

    fn step(&mut self, pos: impl FnOnce() -> Pos) -> R<()> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(err(
                pos(),
                format!("the code runs more than {MAX_STEPS} steps: a loop that does not end?"),
            ));
        }
        if super::value::made() > MAX_OBJECTS {
            return Err(err(
                pos(),
                format!(
                    "the code makes more lists, tuples, dicts and functions than the reader's \
                     limit ({MAX_OBJECTS}, a dict counting two and a function three)"
                ),
            ));
        }
        Ok(())
    }

    /// A step one level deeper (an expression or a statement), undone by
    /// `self.depth -= 1` when it is evaluated.
    fn enter(&mut self, pos: impl Fn() -> Pos) -> R<()> {
        self.step(&pos)?;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            return Err(err(
                pos(),
                format!("expressions and calls nested more than {MAX_DEPTH} deep"),
            ));
        }
        Ok(())
    }

    /// Runs the module's statements; a failing statement is reported and
    /// the names it assigns are marked failed, so that every independent
    /// mistake is reported once.
    pub fn run(&mut self, body: &'a [ast::Stmt], errors: &mut Vec<TextError>) {
        let globals = self.globals.clone();
        for stmt in body {
            match self.exec(stmt, &globals) {
                Ok(Flow::Next) => {}
                Ok(_) => errors.push(err(
                    self.pos(stmt),
                    "`return`, `break` or `continue` outside a function or loop",
                )),
                Err(e) => {
                    errors.push(e);
                    if let ast::Stmt::Assign(a) = stmt {
                        for target in &a.targets {
                            self.fail_names(target, &globals);
                        }
                    }
                }
            }
        }
    }

    fn fail_names(&self, target: &ast::Expr, scope: &Rc<Scope<'a>>) {
        match target {
            ast::Expr::Name(n) => {
                scope
                    .vars
                    .borrow_mut()
                    .insert(n.id.to_string(), Value::Failed);
            }
            ast::Expr::Tuple(t) => t.elts.iter().for_each(|e| self.fail_names(e, scope)),
            ast::Expr::List(l) => l.elts.iter().for_each(|e| self.fail_names(e, scope)),
            ast::Expr::Starred(s) => self.fail_names(&s.value, scope),
            _ => {}
        }
    }

    fn exec_block(&mut self, body: &'a [ast::Stmt], scope: &Rc<Scope<'a>>) -> R<Flow<'a>> {
        for stmt in body {
            match self.exec(stmt, scope)? {
                Flow::Next => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Next)
    }

    fn exec(&mut self, stmt: &'a ast::Stmt, scope: &Rc<Scope<'a>>) -> R<Flow<'a>> {
        self.enter(|| self.lines.of(stmt))?;
        let flow = self.exec_inner(stmt, scope);
        self.depth -= 1;
        flow
    }

    fn exec_inner(&mut self, stmt: &'a ast::Stmt, scope: &Rc<Scope<'a>>) -> R<Flow<'a>> {
        use ast::Stmt as S;
        match stmt {
            S::FunctionDef(f) => {
                let function = self.function(&f.name, &f.args, Body::Block(&f.body), scope)?;
                self.bind(&f.name, function, scope);
            }
            S::AsyncFunctionDef(f) => {
                let function = self.function(&f.name, &f.args, Body::Block(&f.body), scope)?;
                self.bind(&f.name, function, scope);
            }
            S::ClassDef(c) => {
                let class =
                    Value::Class(Opaque::new(format!("class {}", c.name), self.pos(c), None));
                self.bind(&c.name, class, scope);
            }
            S::Return(r) => {
                let value = match &r.value {
                    Some(v) => self.eval(v, scope)?,
                    None => Value::None,
                };
                return Ok(Flow::Return(value));
            }
            S::Delete(d) => {
                for target in &d.targets {
                    if let ast::Expr::Name(n) = target {
                        scope.vars.borrow_mut().remove(n.id.as_str());
                    }
                }
            }
            S::Assign(a) => {
                let value = self.eval(&a.value, scope)?;
                for target in &a.targets {
                    self.assign(target, value.clone(), scope)?;
                }
            }
            S::AugAssign(a) => {
                let current = self.eval(&a.target, scope)?;
                let operand = self.eval(&a.value, scope)?;
                // `items += more` extends the list itself, as in Python.
                if let (Value::List(list), ast::Operator::Add) = (&current, a.op) {
                    self.changed(&current);
                    let more = self.iterate(&operand, &*a.value)?;
                    self.check_size(list.borrow().len() + more.len(), &*a.value)?;
                    list.borrow_mut().extend(more);
                    return Ok(Flow::Next);
                }
                let value = self.binary(a.op, current, operand, stmt)?;
                self.assign(&a.target, value, scope)?;
            }
            S::AnnAssign(a) => {
                if let Some(value) = &a.value {
                    let value = self.eval(value, scope)?;
                    self.assign(&a.target, value, scope)?;
                }
            }
            S::For(f) => {
                let iterable = self.eval(&f.iter, scope)?;
                if matches!(
                    iterable,
                    Value::External(_) | Value::Opaque(_) | Value::Method(_)
                ) {
                    return self.skip_data_loop(f, &iterable, scope);
                }
                let items = self.iterate(&iterable, &*f.iter)?;
                for item in items {
                    self.assign(&f.target, item, scope)?;
                    match self.exec_block(&f.body, scope)? {
                        Flow::Break => return Ok(Flow::Next),
                        Flow::Return(v) => return Ok(Flow::Return(v)),
                        Flow::Next | Flow::Continue => {}
                    }
                }
                return self.exec_block(&f.orelse, scope);
            }
            S::While(w) => loop {
                let test = self.eval(&w.test, scope)?;
                if !self.truth(&test, &w.test, "while")? {
                    return self.exec_block(&w.orelse, scope);
                }
                self.step(|| self.lines.of(&*w.test))?;
                match self.exec_block(&w.body, scope)? {
                    Flow::Break => return Ok(Flow::Next),
                    Flow::Return(v) => return Ok(Flow::Return(v)),
                    Flow::Next | Flow::Continue => {}
                }
            },
            S::If(i) => {
                let test = self.eval(&i.test, scope)?;
                return if self.truth(&test, &i.test, "if")? {
                    self.exec_block(&i.body, scope)
                } else {
                    self.exec_block(&i.orelse, scope)
                };
            }
            S::With(w) => {
                for item in &w.items {
                    let value = self.eval(&item.context_expr, scope)?;
                    if let Some(target) = &item.optional_vars {
                        self.assign(target, value, scope)?;
                    }
                }
                return self.exec_block(&w.body, scope);
            }
            S::Try(t) => {
                // The reader's errors are not Python's exceptions: the body
                // is read as it runs when nothing fails.
                match self.exec_block(&t.body, scope)? {
                    Flow::Next => {}
                    other => return Ok(other),
                }
                match self.exec_block(&t.orelse, scope)? {
                    Flow::Next => {}
                    other => return Ok(other),
                }
                return self.exec_block(&t.finalbody, scope);
            }
            S::Raise(_) => {
                return Err(err(
                    self.pos(stmt),
                    "the code raises an exception here, while building the model",
                ))
            }
            S::Assert(_) | S::Pass(_) => {}
            S::Import(i) => {
                for alias in &i.names {
                    let (bound, path) = match &alias.asname {
                        Some(as_name) => (as_name.to_string(), alias.name.to_string()),
                        None => {
                            let top = alias.name.split('.').next().unwrap_or_default();
                            (top.to_string(), top.to_string())
                        }
                    };
                    let value = self.external(path, true);
                    self.bind(&bound, value, scope);
                }
            }
            S::ImportFrom(i) => {
                let module = i.module.as_ref().map_or("", |m| m.as_str());
                for alias in &i.names {
                    if alias.name.as_str() == "*" {
                        continue;
                    }
                    let path = if module.is_empty() {
                        alias.name.to_string()
                    } else {
                        format!("{module}.{}", alias.name)
                    };
                    let bound = alias.asname.as_ref().unwrap_or(&alias.name).to_string();
                    let value = self.external(path, true);
                    self.bind(&bound, value, scope);
                }
            }
            S::Global(g) => {
                let mut globals = scope.globals.borrow_mut();
                globals.extend(g.names.iter().map(|n| n.to_string()));
            }
            S::Nonlocal(_) => {}
            S::Expr(e) => {
                self.eval(&e.value, scope)?;
            }
            S::Break(_) => return Ok(Flow::Break),
            S::Continue(_) => return Ok(Flow::Continue),
            other => {
                let keyword = match other {
                    S::Match(_) => "match",
                    S::AsyncFor(_) => "async for",
                    S::AsyncWith(_) => "async with",
                    S::TryStar(_) => "try/except*",
                    _ => "this statement",
                };
                return Err(err(
                    self.pos(stmt),
                    format!("`{keyword}` is not read by the Keras code reader"),
                ));
            }
        }
        Ok(Flow::Next)
    }

    /// A `for` over data the reader does not see (a dataset, the model's
    /// weights): skipped when its body builds nothing (no layer, model or
    /// input is made or applied in it, nothing is added to a model), with
    /// the names it assigns unknown; else an error, never a guess.
    fn skip_data_loop(
        &mut self,
        f: &'a ast::StmtFor,
        iterable: &Value<'a>,
        scope: &Rc<Scope<'a>>,
    ) -> R<Flow<'a>> {
        if let Some(call) = super::scan::builds_model(&f.body) {
            return Err(err(
                self.pos(&*f.iter),
                format!(
                    "this loop builds part of the model (`{}`) but goes over {}, which is not known while reading the code",
                    self.source(call),
                    self.unknown_origin(iterable)
                ),
            ));
        }
        let mut assigned = Vec::new();
        super::scan::assigned_names(&f.body, &mut assigned);
        super::scan::target_names(&f.target, &mut assigned);
        for name in assigned {
            let value = Value::Opaque(Opaque::new(
                format!("{name} (set in a loop over {})", self.source(&*f.iter)),
                self.pos(f),
                Some(iterable),
            ));
            self.bind(name, value, scope);
        }
        Ok(Flow::Next)
    }

    fn external(&self, path: String, imported: bool) -> Value<'a> {
        Value::External(Rc::new(External { path, imported }))
    }

    fn bind(&mut self, name: &str, value: Value<'a>, scope: &Rc<Scope<'a>>) {
        if let Value::Model(m) = &value {
            self.assigned.push((name.to_string(), m.clone()));
        }
        let target = if scope.globals.borrow().contains(name) {
            scope.root()
        } else {
            scope.clone()
        };
        target.vars.borrow_mut().insert(name.to_string(), value);
    }

    fn function(
        &mut self,
        name: &str,
        args: &'a ast::Arguments,
        body: Body<'a>,
        scope: &Rc<Scope<'a>>,
    ) -> R<Value<'a>> {
        let mut defaults = Vec::new();
        for a in args.posonlyargs.iter().chain(&args.args) {
            defaults.push(match &a.default {
                Some(d) => Some(self.eval(d, scope)?),
                None => None,
            });
        }
        let mut kw_defaults = Vec::new();
        for a in &args.kwonlyargs {
            kw_defaults.push(match &a.default {
                Some(d) => Some(self.eval(d, scope)?),
                None => None,
            });
        }
        // A closure holds the scope it was made in: three objects' weight.
        super::value::count_made(3);
        Ok(Value::Function(Rc::new(Function {
            name: name.to_string(),
            args,
            body,
            defaults,
            kw_defaults,
            scope: scope.clone(),
        })))
    }

    /// `target = value`: a name, a tuple or list to unpack, an item or an
    /// attribute.
    fn assign(&mut self, target: &'a ast::Expr, value: Value<'a>, scope: &Rc<Scope<'a>>) -> R<()> {
        use ast::Expr as E;
        match target {
            E::Name(n) => self.bind(n.id.as_str(), value, scope),
            E::Tuple(ast::ExprTuple { elts, .. }) | E::List(ast::ExprList { elts, .. }) => {
                let items = match &value {
                    Value::Opaque(_) | Value::External(_) | Value::Failed => {
                        // Data loaded at run time: each name holds part of it.
                        for elt in elts {
                            let part = match &value {
                                Value::Failed => Value::Failed,
                                _ => Value::Opaque(Opaque::new(
                                    self.source(elt),
                                    self.pos(elt),
                                    Some(&value),
                                )),
                            };
                            let elt = match elt {
                                E::Starred(s) => &*s.value,
                                other => other,
                            };
                            self.assign(elt, part, scope)?;
                        }
                        return Ok(());
                    }
                    other => self.iterate(other, target)?,
                };
                let star = elts.iter().position(|e| matches!(e, E::Starred(_)));
                let fixed = elts.len() - usize::from(star.is_some());
                let count_ok = match star {
                    Some(_) => items.len() >= fixed,
                    None => items.len() == fixed,
                };
                if !count_ok {
                    return Err(err(
                        self.pos(target),
                        format!(
                            "{} values cannot be unpacked into {} names",
                            items.len(),
                            elts.len()
                        ),
                    ));
                }
                let mut items = items.into_iter();
                for (i, elt) in elts.iter().enumerate() {
                    if Some(i) == star {
                        let rest = items.len() - (fixed - i);
                        let taken: Vec<Value> = items.by_ref().take(rest).collect();
                        let E::Starred(s) = elt else { unreachable!() };
                        self.assign(&s.value, Value::list(taken), scope)?;
                    } else {
                        let item = items.next().unwrap_or(Value::None);
                        self.assign(elt, item, scope)?;
                    }
                }
            }
            E::Subscript(s) => {
                let container = self.eval(&s.value, scope)?;
                let key = self.eval(&s.slice, scope)?;
                self.changed(&container);
                match &container {
                    Value::List(list) => {
                        let len = list.borrow().len();
                        let i = self.index(&key, len, &*s.slice)?;
                        list.borrow_mut()[i] = value;
                    }
                    Value::Dict(dict) => {
                        let mut dict = dict.borrow_mut();
                        match dict.iter_mut().find(|(k, _)| equal(k, &key, 0)) {
                            Some(entry) => entry.1 = value,
                            None => dict.push((key, value)),
                        }
                    }
                    // Items of data (`x_train[...] = ...`) do not build the model.
                    Value::Opaque(_) | Value::External(_) | Value::Failed => {}
                    other => {
                        return Err(err(
                            self.pos(target),
                            format!("cannot assign an item of a {}", other.type_name()),
                        ))
                    }
                }
            }
            // `layer.trainable = False`, `model.name = ...`: no effect on inference.
            E::Attribute(a) => {
                self.eval(&a.value, scope)?;
            }
            E::Starred(s) => self.assign(&s.value, value, scope)?,
            other => {
                return Err(err(self.pos(other), "cannot assign to this expression"));
            }
        }
        Ok(())
    }

    fn truth(&self, value: &Value<'a>, expr: &ast::Expr, keyword: &str) -> R<bool> {
        match value {
            Value::Failed => Err(follow_on(self.pos(expr))),
            v => truthy(v).ok_or_else(|| {
                err(
                    self.pos(expr),
                    format!(
                        "`{keyword} {}`: whether this holds is not known while reading the code \
                         (it depends on {}); the model must not depend on data or on what the reader cannot see",
                        self.source(expr),
                        self.unknown_origin(v)
                    ),
                )
            }),
        }
    }

    /// What an unknown value comes from, for messages.
    fn unknown_origin(&self, value: &Value) -> String {
        match value {
            Value::External(e) if !e.imported => {
                format!("`{}`, which the code does not define", e.path)
            }
            Value::External(e) => format!("`{}`, imported from outside", e.path),
            Value::Opaque(o) if *o.from == *o.what => format!("`{}`", o.what),
            Value::Opaque(o) => format!("`{}`, from `{}`", o.what, o.from),
            Value::Method(m) => format!("`.{}` of a {}", m.1, m.0.type_name()),
            Value::Tensor(_) => "a tensor's value".to_string(),
            other => format!("a {}", other.type_name()),
        }
    }

    fn check_size(&self, len: usize, at: &impl Ranged) -> R<()> {
        if len > MAX_ITEMS {
            return Err(err(
                self.pos(at),
                format!("more than {MAX_ITEMS} items: beyond the reader's limit"),
            ));
        }
        Ok(())
    }

    /// The items a `for` loop (or unpacking, `list(...)`, ...) goes over.
    fn iterate(&self, value: &Value<'a>, expr: &impl Ranged) -> R<Vec<Value<'a>>> {
        match value {
            Value::Tuple(_) | Value::List(_) => Ok(value.items().unwrap_or_default()),
            Value::Str(s) => Ok(s.chars().map(|c| Value::str(&c.to_string())).collect()),
            Value::Dict(d) => Ok(d.borrow().iter().map(|(k, _)| k.clone()).collect()),
            Value::Failed => Err(follow_on(self.pos(expr))),
            other => Err(err(
                self.pos(expr),
                format!(
                    "cannot go over {}: {}",
                    self.source(expr),
                    match other {
                        Value::External(_) | Value::Opaque(_) | Value::Method(_) => format!(
                            "it is not known while reading the code (it depends on {})",
                            self.unknown_origin(other)
                        ),
                        _ => format!("a {} holds no items", other.type_name()),
                    }
                ),
            )),
        }
    }

    fn index(&self, key: &Value, len: usize, at: &impl Ranged) -> R<usize> {
        let Some(i) = key.as_int() else {
            return Err(err(
                self.pos(at),
                format!("an index must be an integer, not a {}", key.type_name()),
            ));
        };
        let len = len as i128;
        let j = if i < 0 { i + len } else { i };
        if !(0..len).contains(&j) {
            return Err(err(
                self.pos(at),
                format!("index {i} is out of range for {len} items"),
            ));
        }
        Ok(j as usize)
    }

    pub fn eval(&mut self, expr: &'a ast::Expr, scope: &Rc<Scope<'a>>) -> R<Value<'a>> {
        self.enter(|| self.lines.of(expr))?;
        let value = self.eval_inner(expr, scope);
        self.depth -= 1;
        value
    }

    fn eval_inner(&mut self, expr: &'a ast::Expr, scope: &Rc<Scope<'a>>) -> R<Value<'a>> {
        use ast::Expr as E;
        Ok(match expr {
            E::Constant(c) => self.constant(&c.value, expr)?,
            E::Name(n) => match scope.get(n.id.as_str()) {
                Some(v) => v,
                None => match Builtin::from_name(n.id.as_str()) {
                    Some(b) => Value::Builtin(b),
                    None => match n.id.as_str() {
                        "True" => Value::Bool(true),
                        "False" => Value::Bool(false),
                        "None" => Value::None,
                        name => self.external(name.to_string(), false),
                    },
                },
            },
            E::Tuple(t) => Value::tuple(self.elements(&t.elts, scope)?),
            E::List(l) => Value::list(self.elements(&l.elts, scope)?),
            E::Set(s) => Value::list(self.elements(&s.elts, scope)?),
            E::Dict(d) => {
                let mut entries: Vec<(Value, Value)> = Vec::new();
                for (key, value) in d.keys.iter().zip(&d.values) {
                    let v = self.eval(value, scope)?;
                    match key {
                        Some(k) => {
                            let k = self.eval(k, scope)?;
                            insert(&mut entries, k, v);
                        }
                        None => match v {
                            Value::Dict(other) => {
                                for (k, v) in other.borrow().iter() {
                                    insert(&mut entries, k.clone(), v.clone());
                                }
                            }
                            other => return Err(self.not_known(&other, value, "a dict to unpack")),
                        },
                    }
                }
                Value::dict(entries)
            }
            E::BoolOp(b) => {
                let mut last = Value::None;
                for (i, operand) in b.values.iter().enumerate() {
                    last = self.eval(operand, scope)?;
                    if i + 1 == b.values.len() {
                        break;
                    }
                    let holds = self.truth(&last, operand, "and/or")?;
                    let stop = match b.op {
                        ast::BoolOp::And => !holds,
                        ast::BoolOp::Or => holds,
                    };
                    if stop {
                        break;
                    }
                }
                last
            }
            E::NamedExpr(n) => {
                let value = self.eval(&n.value, scope)?;
                self.assign(&n.target, value.clone(), scope)?;
                value
            }
            E::BinOp(b) => {
                let left = self.eval(&b.left, scope)?;
                let right = self.eval(&b.right, scope)?;
                self.binary(b.op, left, right, expr)?
            }
            E::UnaryOp(u) => {
                let operand = self.eval(&u.operand, scope)?;
                self.unary(u.op, operand, expr)?
            }
            E::Lambda(l) => self.function("<lambda>", &l.args, Body::Lambda(&l.body), scope)?,
            E::IfExp(i) => {
                let test = self.eval(&i.test, scope)?;
                if self.truth(&test, &i.test, "if")? {
                    self.eval(&i.body, scope)?
                } else {
                    self.eval(&i.orelse, scope)?
                }
            }
            E::ListComp(ast::ExprListComp {
                elt, generators, ..
            })
            | E::SetComp(ast::ExprSetComp {
                elt, generators, ..
            })
            | E::GeneratorExp(ast::ExprGeneratorExp {
                elt, generators, ..
            }) => {
                let mut out = Vec::new();
                let known = self.comprehension(generators, scope, &mut |this, inner| {
                    out.push(this.eval(elt, inner)?);
                    this.check_size(out.len(), &**elt)
                })?;
                match known {
                    true => Value::list(out),
                    false => self.over_data(expr),
                }
            }
            E::DictComp(c) => {
                let mut out = Vec::new();
                let known = self.comprehension(&c.generators, scope, &mut |this, inner| {
                    let k = this.eval(&c.key, inner)?;
                    let v = this.eval(&c.value, inner)?;
                    insert(&mut out, k, v);
                    this.check_size(out.len(), &*c.key)
                })?;
                match known {
                    true => Value::dict(out),
                    false => self.over_data(expr),
                }
            }
            E::Compare(c) => {
                let mut left = self.eval(&c.left, scope)?;
                for (op, right) in c.ops.iter().zip(&c.comparators) {
                    let r = self.eval(right, scope)?;
                    if !self.compare(*op, &left, &r, expr)? {
                        return Ok(Value::Bool(false));
                    }
                    left = r;
                }
                Value::Bool(true)
            }
            E::Call(call) => {
                let func = self.eval(&call.func, scope)?;
                let mut args = Vec::new();
                for a in &call.args {
                    match a {
                        E::Starred(s) => {
                            let v = self.eval(&s.value, scope)?;
                            args.extend(
                                self.iterate(&v, &*s.value)?
                                    .into_iter()
                                    .map(|v| (v, self.pos(&*s.value))),
                            );
                        }
                        other => args.push((self.eval(other, scope)?, self.pos(other))),
                    }
                }
                let mut kwargs: Vec<(String, Value, Pos)> = Vec::new();
                for k in &call.keywords {
                    let v = self.eval(&k.value, scope)?;
                    match &k.arg {
                        Some(name) => kwargs.push((name.to_string(), v, self.pos(&k.value))),
                        None => match v {
                            Value::Dict(d) => {
                                for (key, value) in d.borrow().iter() {
                                    let Value::Str(key) = key else {
                                        return Err(err(
                                            self.pos(k),
                                            "keyword names must be strings",
                                        ));
                                    };
                                    kwargs.push((
                                        key.to_string(),
                                        value.clone(),
                                        self.pos(&k.value),
                                    ));
                                }
                            }
                            // `**config` from data: fine for calls the reader does not follow.
                            other => {
                                if !matches!(func, Value::External(_) | Value::Opaque(_))
                                    || self.keras_class(&func).is_some()
                                {
                                    return Err(self.not_known(
                                        &other,
                                        &k.value,
                                        "the keyword arguments",
                                    ));
                                }
                            }
                        },
                    }
                }
                self.call(func, args, kwargs, call)?
            }
            E::JoinedStr(j) => {
                let mut out = String::new();
                for part in &j.values {
                    match part {
                        E::Constant(ast::ExprConstant {
                            value: ast::Constant::Str(s),
                            ..
                        }) => out.push_str(s),
                        other => {
                            let Value::Str(s) = self.eval(other, scope)? else {
                                return Err(err(self.pos(other), "expected a string part"));
                            };
                            out.push_str(&s);
                        }
                    }
                    self.check_size(out.len(), expr)?;
                }
                Value::str(&out)
            }
            E::FormattedValue(f) => {
                let value = self.eval(&f.value, scope)?;
                if matches!(value, Value::Failed) {
                    return Err(follow_on(self.pos(expr)));
                }
                if matches!(value, Value::External(_) | Value::Opaque(_)) {
                    return Ok(Value::Opaque(Opaque::new(
                        self.source(expr),
                        self.pos(expr),
                        Some(&value),
                    )));
                }
                let value = match f.conversion {
                    ast::ConversionFlag::Repr | ast::ConversionFlag::Ascii => {
                        Value::str(&to_str(&value, true, 0))
                    }
                    ast::ConversionFlag::Str => Value::str(&to_str(&value, false, 0)),
                    ast::ConversionFlag::None => value,
                };
                let spec = match &f.format_spec {
                    Some(spec) => match self.eval(spec, scope)? {
                        Value::Str(s) => s.to_string(),
                        _ => return Err(err(self.pos(&**spec), "expected a format")),
                    },
                    None => String::new(),
                };
                Value::str(&format::format_spec(&value, &spec).map_err(|m| err(self.pos(expr), m))?)
            }
            E::Attribute(a) => {
                let value = self.eval(&a.value, scope)?;
                self.attribute(value, a.attr.as_str(), expr)?
            }
            E::Subscript(s) => {
                let value = self.eval(&s.value, scope)?;
                if let E::Slice(slice) = &*s.slice {
                    let mut bound = |e: &'a Option<Box<ast::Expr>>| -> R<Option<Value<'a>>> {
                        e.as_ref().map(|e| self.eval(e, scope)).transpose()
                    };
                    let (lower, upper, step) = (
                        bound(&slice.lower)?,
                        bound(&slice.upper)?,
                        bound(&slice.step)?,
                    );
                    self.slice(value, lower, upper, step, expr)?
                } else {
                    let key = self.eval(&s.slice, scope)?;
                    self.subscript(value, key, expr)?
                }
            }
            E::Starred(_) => {
                return Err(err(
                    self.pos(expr),
                    "`*` is only read in calls, lists and assignments",
                ))
            }
            E::Slice(_) => return Err(err(self.pos(expr), "a slice outside brackets")),
            E::Await(_) | E::Yield(_) | E::YieldFrom(_) => {
                return Err(err(
                    self.pos(expr),
                    "`await` and `yield` are not read by the Keras code reader",
                ))
            }
        })
    }

    fn elements(&mut self, elts: &'a [ast::Expr], scope: &Rc<Scope<'a>>) -> R<Vec<Value<'a>>> {
        let mut out = Vec::with_capacity(elts.len());
        for e in elts {
            match e {
                ast::Expr::Starred(s) => {
                    let v = self.eval(&s.value, scope)?;
                    out.extend(self.iterate(&v, &*s.value)?);
                }
                other => out.push(self.eval(other, scope)?),
            }
            self.check_size(out.len(), e)?;
        }
        Ok(out)
    }

    /// Runs `body` for each binding of a comprehension's `for`s that its
    /// `if`s keep, in a scope of its own.
    /// The value of a comprehension over data the reader does not see.
    fn over_data(&self, expr: &ast::Expr) -> Value<'a> {
        Value::Opaque(Opaque::new(self.source(expr), self.pos(expr), None))
    }

    /// A comprehension over data the reader does not see is itself unknown
    /// (`[w * 0 for w in model.get_weights()]`): `Ok(false)`.
    fn comprehension(
        &mut self,
        generators: &'a [ast::Comprehension],
        scope: &Rc<Scope<'a>>,
        body: &mut dyn FnMut(&mut Self, &Rc<Scope<'a>>) -> R<()>,
    ) -> R<bool> {
        let inner = self.new_scope(scope);
        match self.generate(generators, &inner, body) {
            Ok(()) => Ok(true),
            Err(e) if e.message == DATA => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn generate(
        &mut self,
        generators: &'a [ast::Comprehension],
        scope: &Rc<Scope<'a>>,
        body: &mut dyn FnMut(&mut Self, &Rc<Scope<'a>>) -> R<()>,
    ) -> R<()> {
        let Some((first, rest)) = generators.split_first() else {
            return body(self, scope);
        };
        let iterable = self.eval(&first.iter, scope)?;
        if matches!(
            iterable,
            Value::External(_) | Value::Opaque(_) | Value::Method(_)
        ) {
            return Err(TextError {
                pos: self.pos(&first.iter),
                message: DATA.to_string(),
            });
        }
        'items: for item in self.iterate(&iterable, &first.iter)? {
            self.step(|| self.lines.of(&first.iter))?;
            self.assign(&first.target, item, scope)?;
            for condition in &first.ifs {
                let test = self.eval(condition, scope)?;
                if !self.truth(&test, condition, "if")? {
                    continue 'items;
                }
            }
            self.generate(rest, scope, body)?;
        }
        Ok(())
    }

    fn constant(&self, c: &ast::Constant, at: &ast::Expr) -> R<Value<'a>> {
        Ok(match c {
            ast::Constant::None => Value::None,
            ast::Constant::Bool(b) => Value::Bool(*b),
            ast::Constant::Str(s) => Value::str(s),
            ast::Constant::Bytes(b) => Value::str(&String::from_utf8_lossy(b)),
            ast::Constant::Int(i) => Value::Int(i128::try_from(i).map_err(|_| {
                err(
                    self.pos(at),
                    "an integer beyond 128 bits: too large for the reader",
                )
            })?),
            ast::Constant::Float(x) => Value::Float(*x),
            ast::Constant::Tuple(items) => Value::tuple(
                items
                    .iter()
                    .map(|i| self.constant(i, at))
                    .collect::<R<Vec<_>>>()?,
            ),
            ast::Constant::Complex { .. } | ast::Constant::Ellipsis => {
                Value::Opaque(Opaque::new(self.source(at), self.pos(at), None))
            }
        })
    }

    /// An error for a value the reader does not know, used as `what`.
    pub fn not_known(&self, value: &Value, at: &impl Ranged, what: &str) -> TextError {
        match value {
            Value::Failed => follow_on(self.pos(at)),
            Value::External(e) if !e.imported => err(
                self.pos(at),
                format!(
                    "unknown name `{}`: {what} must be computed from values the code defines",
                    e.path
                ),
            ),
            other => err(
                self.pos(at),
                format!(
                    "{what} is not known while reading the code: `{}` depends on {}",
                    self.source(at),
                    self.unknown_origin(other)
                ),
            ),
        }
    }

    fn binary(
        &mut self,
        op: ast::Operator,
        left: Value<'a>,
        right: Value<'a>,
        at: &impl Ranged,
    ) -> R<Value<'a>> {
        let failed = matches!(left, Value::Failed) || matches!(right, Value::Failed);
        if !failed && (matches!(left, Value::Tensor(_)) || matches!(right, Value::Tensor(_))) {
            return self.tensor_arithmetic(op, left, right, at);
        }
        for v in [&left, &right] {
            match v {
                Value::Failed => return Err(follow_on(self.pos(at))),
                Value::External(_) | Value::Opaque(_) => {
                    return Ok(Value::Opaque(Opaque::new(
                        self.source(at),
                        self.pos(at),
                        Some(v),
                    )))
                }
                _ => {}
            }
        }
        if let (ast::Operator::Mod, Value::Str(template)) = (op, &left) {
            let text = format::percent(template, &right).map_err(|m| err(self.pos(at), m))?;
            self.check_size(text.len(), at)?;
            return Ok(Value::str(&text));
        }
        arithmetic(op, &left, &right, MAX_ITEMS).map_err(|m| err(self.pos(at), m))
    }

    /// Arithmetic on tensors, as Keras 3 records it: two tensors make an
    /// `Add` or `Multiply` layer; a tensor and a number (or an array of
    /// numbers) make Keras' op with that constant carried over.
    pub fn tensor_arithmetic(
        &mut self,
        op: ast::Operator,
        left: Value<'a>,
        right: Value<'a>,
        at: &impl Ranged,
    ) -> R<Value<'a>> {
        let pos = self.pos(at);
        let symbol = super::value::operator_text(op);
        if let (Value::Tensor(a), Value::Tensor(b)) = (&left, &right) {
            let class = match op {
                ast::Operator::Add => "Add",
                ast::Operator::Mult => "Multiply",
                _ => {
                    return Err(err(
                        pos,
                        format!("`{symbol}` between two tensors is not read yet"),
                    ))
                }
            };
            let layer = self.make_layer(class, pos, Vec::new(), Vec::new())?;
            layer.used.set(true);
            return Ok(self.node(Op::Layer(layer), vec![*a, *b], pos));
        }
        let (tensor, constant, constant_first) = match (&left, &right) {
            (Value::Tensor(t), c) => (*t, c, false),
            (c, Value::Tensor(t)) => (*t, c, true),
            _ => unreachable!("one operand is a tensor"),
        };
        let (class, keras_class) = match op {
            ast::Operator::Add => ("AddConstant", "add"),
            ast::Operator::Sub => ("SubtractConstant", "subtract"),
            ast::Operator::Mult => ("MultiplyConstant", "multiply"),
            ast::Operator::Div => ("TrueDivideConstant", "true_divide"),
            _ => {
                return Err(err(
                    pos,
                    format!("`{symbol}` between a tensor and a constant is not read yet"),
                ))
            }
        };
        let Some(constant) = super::layer_args::constant(constant) else {
            return Err(err(
                pos,
                format!(
                    "`{}`: `{symbol}` between a tensor and {} is not read; a constant operand must be \
                     a number or an array of numbers the code writes out",
                    self.source(at),
                    match constant {
                        Value::External(_) | Value::Opaque(_) => self.unknown_origin(constant),
                        other => format!("a {}", other.type_name()),
                    }
                ),
            ));
        };
        let mut kwargs = vec![("constant".to_string(), constant, pos)];
        if constant_first && matches!(op, ast::Operator::Sub | ast::Operator::Div) {
            kwargs.push(("constant_first".to_string(), Value::Bool(true), pos));
        }
        let name = self.auto_name(keras_class);
        kwargs.push(("name".to_string(), Value::str(&name), pos));
        let layer = self.make_layer(class, pos, Vec::new(), kwargs)?;
        layer.used.set(true);
        Ok(self.node(Op::Layer(layer), vec![tensor], pos))
    }

    fn unary(&mut self, op: ast::UnaryOp, operand: Value<'a>, at: &ast::Expr) -> R<Value<'a>> {
        match (&operand, op) {
            (Value::Failed, _) => Err(follow_on(self.pos(at))),
            (Value::External(_) | Value::Opaque(_), _) => Ok(Value::Opaque(Opaque::new(
                self.source(at),
                self.pos(at),
                Some(&operand),
            ))),
            (v, ast::UnaryOp::Not) => Ok(Value::Bool(!self.truth(v, at, "not")?)),
            (Value::Float(x), ast::UnaryOp::USub) => Ok(Value::Float(-x)),
            (Value::Float(x), ast::UnaryOp::UAdd) => Ok(Value::Float(*x)),
            (v, ast::UnaryOp::USub) if v.as_int().is_some() => Ok(Value::Int(
                v.as_int()
                    .and_then(i128::checked_neg)
                    .ok_or_else(|| err(self.pos(at), "integer too large"))?,
            )),
            (v, ast::UnaryOp::UAdd) if v.as_int().is_some() => {
                Ok(Value::Int(v.as_int().unwrap_or(0)))
            }
            (v, ast::UnaryOp::Invert) if v.as_int().is_some() => {
                Ok(Value::Int(!v.as_int().unwrap_or(0)))
            }
            (v, _) => Err(err(
                self.pos(at),
                format!("`{}` on a {}", self.source(at), v.type_name()),
            )),
        }
    }

    fn compare(&self, op: ast::CmpOp, a: &Value<'a>, b: &Value<'a>, at: &ast::Expr) -> R<bool> {
        use ast::CmpOp as C;
        for v in [a, b] {
            match v {
                Value::Failed => return Err(follow_on(self.pos(at))),
                Value::External(_) | Value::Opaque(_) if !matches!(op, C::Is | C::IsNot) => {
                    return Err(self.not_known(v, at, "this comparison"))
                }
                _ => {}
            }
        }
        let order = |this: &Self, x: &Value<'a>, y: &Value<'a>| {
            less(x, y).ok_or_else(|| {
                err(
                    this.pos(at),
                    format!(
                        "a {} and a {} cannot be ordered",
                        x.type_name(),
                        y.type_name()
                    ),
                )
            })
        };
        Ok(match op {
            C::Eq => equal(a, b, 0),
            C::NotEq => !equal(a, b, 0),
            C::Lt => order(self, a, b)?,
            C::Gt => order(self, b, a)?,
            C::LtE => !order(self, b, a)?,
            C::GtE => !order(self, a, b)?,
            C::Is => is(a, b),
            C::IsNot => !is(a, b),
            C::In | C::NotIn => {
                let found = match b {
                    Value::Str(s) => match a {
                        Value::Str(needle) => s.contains(&**needle),
                        _ => return Err(err(self.pos(at), "`in` a string needs a string")),
                    },
                    other => self
                        .iterate(other, at)?
                        .iter()
                        .any(|item| equal(item, a, 0)),
                };
                found == matches!(op, C::In)
            }
        })
    }

    fn attribute(&mut self, value: Value<'a>, name: &str, at: &ast::Expr) -> R<Value<'a>> {
        let pos = self.pos(at);
        let opaque = |this: &Self| Value::Opaque(Opaque::new(this.source(at), pos, Some(&value)));
        Ok(match &value {
            Value::Failed => return Err(follow_on(pos)),
            Value::External(e) => Value::External(Rc::new(External {
                path: format!("{}.{name}", e.path),
                imported: e.imported,
            })),
            Value::Opaque(_) | Value::Function(_) | Value::Builtin(_) | Value::Class(_) | Value::Method(_) => opaque(self),
            Value::Model(model) => match name {
                "name" => Value::str(&model.name),
                "input" | "inputs" | "output" | "outputs" => match &model.kind {
                    ModelKind::Functional { inputs, outputs } => {
                        let tensors = if name.starts_with("input") { inputs } else { outputs };
                        match (name.ends_with('s'), tensors.as_slice()) {
                            (false, [one]) => Value::Tensor(*one),
                            _ => Value::list(tensors.iter().map(|&t| Value::Tensor(t)).collect()),
                        }
                    }
                    ModelKind::Sequential(_) => {
                        return Err(err(
                            pos,
                            format!("`.{name}` of a Sequential model is not read: build it with the functional API"),
                        ))
                    }
                },
                "layers" => match &model.kind {
                    ModelKind::Sequential(s) => Value::list(
                        s.borrow()
                            .items
                            .iter()
                            .map(|i| match i {
                                Item::Layer(l) => Value::Layer(l.clone()),
                                Item::Model(m) => Value::Model(m.clone()),
                            })
                            .collect(),
                    ),
                    ModelKind::Functional { .. } => opaque(self),
                },
                "trainable" => Value::Bool(true),
                _ => Value::method(value.clone(), name),
            },
            Value::Layer(layer) => match name {
                "name" => Value::str(&layer.name),
                "trainable" => Value::Bool(true),
                _ => opaque(self),
            },
            Value::Tensor(_) => match name {
                "shape" => {
                    let Value::Tensor(node) = value else { unreachable!() };
                    self.keras_shape(node).map_err(|m| {
                        err(pos, format!("`{}`: the tensor's shape cannot be computed: {m}", self.source(at)))
                    })?
                }
                _ => opaque(self),
            },
            Value::List(_) | Value::Dict(_) | Value::Str(_) | Value::Tuple(_) => {
                Value::method(value.clone(), name)
            }
            other => {
                return Err(err(pos, format!("a {} has no attribute `{name}` the reader knows", other.type_name())))
            }
        })
    }

    fn subscript(&self, value: Value<'a>, key: Value<'a>, at: &ast::Expr) -> R<Value<'a>> {
        let pos = self.pos(at);
        match (&value, &key) {
            (Value::Failed, _) | (_, Value::Failed) => Err(follow_on(pos)),
            (Value::External(_) | Value::Opaque(_), _)
            | (_, Value::External(_) | Value::Opaque(_)) => Ok(Value::Opaque(Opaque::new(
                self.source(at),
                pos,
                Some(if matches!(value, Value::External(_) | Value::Opaque(_)) {
                    &value
                } else {
                    &key
                }),
            ))),
            (Value::Tuple(_) | Value::List(_), _) => {
                let items = value.items().unwrap_or_default();
                let i = self.index(&key, items.len(), at)?;
                Ok(items[i].clone())
            }
            (Value::Str(s), _) => {
                let chars: Vec<char> = s.chars().collect();
                let i = self.index(&key, chars.len(), at)?;
                Ok(Value::str(&chars[i].to_string()))
            }
            (Value::Dict(d), _) => d
                .borrow()
                .iter()
                .find(|(k, _)| equal(k, &key, 0))
                .map(|(_, v)| v.clone())
                .ok_or_else(|| {
                    err(
                        pos,
                        format!("the key {} is not in the dict", to_str(&key, true, 0)),
                    )
                }),
            (other, _) => Err(err(
                pos,
                format!("a {} cannot be indexed", other.type_name()),
            )),
        }
    }

    fn slice(
        &self,
        value: Value<'a>,
        lower: Option<Value<'a>>,
        upper: Option<Value<'a>>,
        step: Option<Value<'a>>,
        at: &ast::Expr,
    ) -> R<Value<'a>> {
        let pos = self.pos(at);
        let bound = |v: &Option<Value>| -> R<Option<i128>> {
            match v {
                None | Some(Value::None) => Ok(None),
                Some(v) => v
                    .as_int()
                    .map(Some)
                    .ok_or_else(|| err(pos, "slice bounds must be integers")),
            }
        };
        let items: Vec<Value> = match &value {
            Value::Failed => return Err(follow_on(pos)),
            Value::External(_) | Value::Opaque(_) => {
                return Ok(Value::Opaque(Opaque::new(
                    self.source(at),
                    pos,
                    Some(&value),
                )))
            }
            Value::Str(s) => s.chars().map(|c| Value::str(&c.to_string())).collect(),
            Value::Tuple(_) | Value::List(_) => value.items().unwrap_or_default(),
            other => {
                return Err(err(
                    pos,
                    format!("a {} cannot be sliced", other.type_name()),
                ))
            }
        };
        let len = items.len() as i128;
        let step = bound(&step)?.unwrap_or(1);
        if step == 0 {
            return Err(err(pos, "a slice step of zero"));
        }
        let clamp = |i: i128, low: i128, high: i128| {
            let i = if i < 0 { i + len } else { i };
            i.clamp(low, high)
        };
        let mut picked = Vec::new();
        if step > 0 {
            let start = bound(&lower)?.map_or(0, |i| clamp(i, 0, len));
            let stop = bound(&upper)?.map_or(len, |i| clamp(i, 0, len));
            let mut i = start;
            while i < stop {
                picked.push(items[i as usize].clone());
                i += step;
            }
        } else {
            let start = bound(&lower)?.map_or(len - 1, |i| clamp(i, -1, len - 1));
            let stop = bound(&upper)?.map_or(-1, |i| clamp(i, -1, len - 1));
            let mut i = start;
            while i > stop {
                picked.push(items[i as usize].clone());
                i += step;
            }
        }
        Ok(match value {
            Value::Str(_) => Value::str(
                &picked
                    .iter()
                    .map(|v| to_str(v, false, 0))
                    .collect::<String>(),
            ),
            Value::Tuple(_) => Value::tuple(picked),
            _ => Value::list(picked),
        })
    }

    /// The sizes of tensor `node` (without the batch), as the compiler's
    /// shape checker infers them for the layers that make it.
    pub fn tensor_shape(&mut self, node: usize) -> Result<Vec<usize>, String> {
        if let Some(dims) = self.shapes.get(&node) {
            return Ok(dims.clone());
        }
        let dims = match &self.graph[node].op {
            Op::Input(input) => input.shape.clone().map(|s| s.dims).map_err(|e| e.message)?,
            _ => {
                // The inputs it depends on, as the inputs of a model giving it.
                let mut inputs = Vec::new();
                let mut seen = HashSet::new();
                let mut stack = vec![node];
                while let Some(n) = stack.pop() {
                    if !seen.insert(n) {
                        continue;
                    }
                    match self.graph[n].op {
                        Op::Input(_) => inputs.push(n),
                        _ => stack.extend(self.graph[n].inputs.iter().copied()),
                    }
                }
                inputs.sort_unstable();
                let model = Model {
                    name: "shape".to_string(),
                    pos: self.graph[node].pos,
                    kind: ModelKind::Functional {
                        inputs,
                        outputs: vec![node],
                    },
                };
                let built = super::keras::build(&model, &self.graph).map_err(|errors| {
                    errors
                        .into_iter()
                        .next()
                        .map_or_else(String::new, |e| e.message)
                })?;
                let plan = crate::compile_keras(built.model).map_err(|diags| {
                    diags
                        .into_iter()
                        .next()
                        .map_or_else(String::new, |d| d.message)
                })?;
                match plan.output() {
                    crate::plan::Shape::Map { h, w, c } => vec![h, w, c],
                    crate::plan::Shape::Steps { n, c } => vec![n, c],
                    crate::plan::Shape::Vector(n) => vec![n],
                }
            }
        };
        self.shapes.insert(node, dims.clone());
        Ok(dims)
    }

    /// Tensor `node`'s shape as Keras gives it (`x.shape`, `K.int_shape(x)`):
    /// a tuple that starts with the batch size, unknown.
    pub fn keras_shape(&mut self, node: usize) -> Result<Value<'a>, String> {
        let dims = self.tensor_shape(node)?;
        let sizes = dims.into_iter().map(|d| Value::Int(d as i128));
        Ok(Value::tuple(
            std::iter::once(Value::None).chain(sizes).collect(),
        ))
    }

    /// Adds a node to the graph: the tensor it makes.
    pub fn node(&mut self, op: Op, inputs: Vec<usize>, pos: Pos) -> Value<'a> {
        self.graph.push(Node { op, inputs, pos });
        Value::Tensor(self.graph.len() - 1)
    }

    /// A layer object of class `word` (as written), with its arguments.
    pub fn make_layer(
        &mut self,
        word: &str,
        pos: Pos,
        args: Args<'a>,
        kwargs: Kwargs<'a>,
    ) -> R<Rc<Layer>> {
        let class = crate::spec::Class::from_dsl_name(word)
            .filter(|c| *c != crate::spec::Class::InputLayer);
        let given_name = kwargs
            .iter()
            .find(|(k, _, _)| k == "name")
            .map(|(_, v, p)| (v.clone(), *p));
        let name = match given_name {
            Some((Value::Str(s), _)) => s.to_string(),
            Some((Value::None, _)) | None => {
                let prefix = class.map_or_else(
                    || crate::names::to_snake_case(word),
                    |c| c.auto_name_prefix(),
                );
                self.auto_name(&prefix)
            }
            Some((other, p)) => {
                return Err(err(
                    p,
                    format!(
                        "a layer's name must be a string, not a {}",
                        other.type_name()
                    ),
                ))
            }
        };
        let (args, input_shape) = layer_args::read(word, class, args, kwargs);
        Ok(Rc::new(Layer {
            word: word.to_string(),
            class,
            name,
            pos,
            args,
            input_shape,
            used: Cell::new(false),
        }))
    }

    fn call(
        &mut self,
        func: Value<'a>,
        args: Args<'a>,
        kwargs: Kwargs<'a>,
        call: &'a ast::ExprCall,
    ) -> R<Value<'a>> {
        let pos = self.pos(call);
        match func {
            Value::Function(f) => self.call_function(&f, args, kwargs, call),
            Value::Builtin(b) => super::builtins::call(self, b, args, kwargs, call),
            Value::Method(m) => super::builtins::method(self, &m.0, &m.1, args, kwargs, call),
            Value::External(e) => super::calls::external(self, &e, args, kwargs, call),
            Value::Layer(layer) => super::calls::apply_layer(self, layer, args, kwargs, call),
            Value::Model(model) => super::calls::apply_model(self, model, args, call),
            Value::Class(c) => Err(err(
                pos,
                format!(
                    "`{}`: `{}` is defined in the code; subclassed layers and models are not read \
                     (Keras cannot save them with `to_json` either): build the model with \
                     `keras.Sequential` or `keras.Model(inputs, outputs)`",
                    self.source(call),
                    c.what
                ),
            )),
            Value::Opaque(_) => Ok(Value::Opaque(Opaque::new(
                self.source(call),
                pos,
                Some(&func),
            ))),
            Value::Failed => Err(follow_on(pos)),
            other => Err(err(
                pos,
                format!("a {} cannot be called", other.type_name()),
            )),
        }
    }

    /// Keras' class a called value names, if any (`layers.Conv2D`).
    pub fn keras_class(&self, func: &Value) -> Option<String> {
        match func {
            Value::External(e) => {
                let last = e.path.rsplit('.').next().unwrap_or(&e.path);
                crate::spec::Class::from_dsl_name(last).map(|_| last.to_string())
            }
            _ => None,
        }
    }

    fn call_function(
        &mut self,
        f: &Rc<Function<'a>>,
        args: Args<'a>,
        kwargs: Kwargs<'a>,
        call: &'a ast::ExprCall,
    ) -> R<Value<'a>> {
        let pos = self.pos(call);
        if self.calls >= MAX_CALLS {
            return Err(err(
                pos,
                format!("calls nested more than {MAX_CALLS} deep (endless recursion?)"),
            ));
        }
        let scope = self.new_scope(&f.scope);
        let spec = f.args;
        let params: Vec<&ast::ArgWithDefault> = spec.posonlyargs.iter().chain(&spec.args).collect();
        let mut bound: Vec<Option<Value>> = vec![None; params.len()];
        let mut extra = Vec::new();
        for (i, (value, _)) in args.into_iter().enumerate() {
            if i < params.len() {
                bound[i] = Some(value);
            } else if spec.vararg.is_some() {
                extra.push(value);
            } else {
                return Err(err(
                    pos,
                    format!(
                        "`{}` takes {} positional arguments but more were given",
                        f.name,
                        params.len()
                    ),
                ));
            }
        }
        let mut kw_bound: Vec<Option<Value>> = vec![None; spec.kwonlyargs.len()];
        let mut kw_extra = Vec::new();
        for (key, value, at) in kwargs {
            if let Some(i) = params.iter().position(|p| p.def.arg.as_str() == key) {
                if i < spec.posonlyargs.len() {
                    return Err(err(
                        at,
                        format!("`{key}` of `{}` is positional only", f.name),
                    ));
                }
                if bound[i].replace(value).is_some() {
                    return Err(err(at, format!("`{}` got two values for `{key}`", f.name)));
                }
            } else if let Some(i) = spec
                .kwonlyargs
                .iter()
                .position(|p| p.def.arg.as_str() == key)
            {
                kw_bound[i] = Some(value);
            } else if spec.kwarg.is_some() {
                insert(&mut kw_extra, Value::str(&key), value);
            } else {
                return Err(err(at, format!("`{}` has no parameter `{key}`", f.name)));
            }
        }
        // Each parameter: its argument, else its default.
        let given = params
            .iter()
            .copied()
            .zip(bound.into_iter().zip(&f.defaults))
            .chain(
                spec.kwonlyargs
                    .iter()
                    .zip(kw_bound.into_iter().zip(&f.kw_defaults)),
            );
        for (param, (value, default)) in given {
            let Some(value) = value.or_else(|| default.clone()) else {
                return Err(err(
                    pos,
                    format!("`{}` is missing its argument `{}`", f.name, param.def.arg),
                ));
            };
            scope
                .vars
                .borrow_mut()
                .insert(param.def.arg.to_string(), value);
        }
        if let Some(vararg) = &spec.vararg {
            scope
                .vars
                .borrow_mut()
                .insert(vararg.arg.to_string(), Value::tuple(extra));
        }
        if let Some(kwarg) = &spec.kwarg {
            scope
                .vars
                .borrow_mut()
                .insert(kwarg.arg.to_string(), Value::dict(kw_extra));
        }
        self.calls += 1;
        let result = match f.body {
            Body::Block(body) => self.exec_block(body, &scope).map(|flow| match flow {
                Flow::Return(v) => v,
                _ => Value::None,
            }),
            Body::Lambda(e) => self.eval(e, &scope),
        };
        self.calls -= 1;
        result
    }

    /// A new Sequential model (named as Keras names it unless `name` is given).
    pub fn new_model(&mut self, name: Option<String>, pos: Pos, kind: ModelKind) -> Rc<Model> {
        let name = name.unwrap_or_else(|| {
            let prefix = match kind {
                ModelKind::Sequential(_) => "sequential",
                ModelKind::Functional { .. } => "functional",
            };
            self.auto_name(prefix)
        });
        let model = Rc::new(Model { name, pos, kind });
        self.models.push(model.clone());
        model
    }

    pub fn new_sequential(&mut self, name: Option<String>, pos: Pos) -> Rc<Model> {
        self.new_model(
            name,
            pos,
            ModelKind::Sequential(RefCell::new(Sequential::default())),
        )
    }

    /// A Keras input (`keras.Input`, `InputLayer`): its node.
    pub fn new_input(
        &mut self,
        name: Option<String>,
        shape: Result<super::keras::Shape, TextError>,
        pos: Pos,
    ) -> Value<'a> {
        let name = name.unwrap_or_else(|| self.auto_name("input_layer"));
        let input = Rc::new(Input { name, shape, pos });
        self.node(Op::Input(input), Vec::new(), pos)
    }
}

pub(super) fn insert<'a>(
    entries: &mut Vec<(Value<'a>, Value<'a>)>,
    key: Value<'a>,
    value: Value<'a>,
) {
    match entries.iter_mut().find(|(k, _)| equal(k, &key, 0)) {
        Some(entry) => entry.1 = value,
        None => entries.push((key, value)),
    }
}

/// Python's `is`, for what code compares that way (`x is None`).
fn is<'a>(a: &Value<'a>, b: &Value<'a>) -> bool {
    match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::List(x), Value::List(y)) => Rc::ptr_eq(x, y),
        (Value::None | Value::Bool(_), _) | (_, Value::None | Value::Bool(_)) => false,
        _ => equal(a, b, 0),
    }
}
