//! Looks at code without running it: whether a loop over data the reader
//! cannot see would build part of the model, and which names it assigns.

use rustpython_parser::ast;

/// Calls that make or change a model's layers.
fn builds(call: &ast::ExprCall) -> bool {
    let last = match &*call.func {
        ast::Expr::Name(n) => n.id.as_str(),
        ast::Expr::Attribute(a) => a.attr.as_str(),
        // `layers.Dense(4)(x)`: a layer applied.
        ast::Expr::Call(_) => return true,
        _ => return false,
    };
    // `model.add(...)`, a model or an input made, a merge function, a layer class.
    matches!(
        last,
        "add" | "Sequential" | "Model" | "Functional" | "Input" | "InputLayer"
    ) || super::calls::MERGE_FUNCTIONS
        .iter()
        .any(|(f, _)| *f == last)
        || crate::spec::Class::from_dsl_name(last).is_some()
}

/// The first call in `body` that builds part of a model, if any.
pub fn builds_model(body: &[ast::Stmt]) -> Option<&ast::ExprCall> {
    let mut found = None;
    for stmt in body {
        visit_stmt(stmt, &mut |call| {
            if found.is_none() && builds(call) {
                found = Some(call);
            }
        });
    }
    found
}

fn visit_stmt<'t>(stmt: &'t ast::Stmt, f: &mut dyn FnMut(&'t ast::ExprCall)) {
    use ast::Stmt as S;
    let block = |body: &'t [ast::Stmt], f: &mut dyn FnMut(&'t ast::ExprCall)| {
        body.iter().for_each(|s| visit_stmt(s, f))
    };
    match stmt {
        S::Assign(a) => {
            a.targets.iter().for_each(|t| visit_expr(t, f));
            visit_expr(&a.value, f);
        }
        S::AugAssign(a) => visit_expr(&a.value, f),
        S::AnnAssign(a) => {
            if let Some(v) = &a.value {
                visit_expr(v, f);
            }
        }
        S::Expr(e) => visit_expr(&e.value, f),
        S::Return(r) => {
            if let Some(v) = &r.value {
                visit_expr(v, f);
            }
        }
        S::For(l) => {
            visit_expr(&l.iter, f);
            block(&l.body, f);
            block(&l.orelse, f);
        }
        S::While(w) => {
            visit_expr(&w.test, f);
            block(&w.body, f);
            block(&w.orelse, f);
        }
        S::If(i) => {
            visit_expr(&i.test, f);
            block(&i.body, f);
            block(&i.orelse, f);
        }
        S::With(w) => {
            w.items.iter().for_each(|i| visit_expr(&i.context_expr, f));
            block(&w.body, f);
        }
        S::Try(t) => {
            block(&t.body, f);
            block(&t.orelse, f);
            block(&t.finalbody, f);
        }
        _ => {}
    }
}

fn visit_expr<'t>(expr: &'t ast::Expr, f: &mut dyn FnMut(&'t ast::ExprCall)) {
    use ast::Expr as E;
    match expr {
        E::Call(c) => {
            f(c);
            visit_expr(&c.func, f);
            c.args.iter().for_each(|a| visit_expr(a, f));
            c.keywords.iter().for_each(|k| visit_expr(&k.value, f));
        }
        E::BinOp(b) => {
            visit_expr(&b.left, f);
            visit_expr(&b.right, f);
        }
        E::UnaryOp(u) => visit_expr(&u.operand, f),
        E::BoolOp(b) => b.values.iter().for_each(|v| visit_expr(v, f)),
        E::Compare(c) => {
            visit_expr(&c.left, f);
            c.comparators.iter().for_each(|v| visit_expr(v, f));
        }
        E::IfExp(i) => {
            visit_expr(&i.test, f);
            visit_expr(&i.body, f);
            visit_expr(&i.orelse, f);
        }
        E::Tuple(t) => t.elts.iter().for_each(|v| visit_expr(v, f)),
        E::List(l) => l.elts.iter().for_each(|v| visit_expr(v, f)),
        E::Dict(d) => d.values.iter().for_each(|v| visit_expr(v, f)),
        E::Attribute(a) => visit_expr(&a.value, f),
        E::Subscript(s) => {
            visit_expr(&s.value, f);
            visit_expr(&s.slice, f);
        }
        E::Starred(s) => visit_expr(&s.value, f),
        E::ListComp(c) => visit_expr(&c.elt, f),
        E::GeneratorExp(c) => visit_expr(&c.elt, f),
        E::NamedExpr(n) => visit_expr(&n.value, f),
        _ => {}
    }
}

/// The names `body` assigns (outside functions it defines).
pub fn assigned_names<'t>(body: &'t [ast::Stmt], out: &mut Vec<&'t str>) {
    use ast::Stmt as S;
    for stmt in body {
        match stmt {
            S::Assign(a) => a.targets.iter().for_each(|t| target_names(t, out)),
            S::AugAssign(a) => target_names(&a.target, out),
            S::AnnAssign(a) => target_names(&a.target, out),
            S::For(l) => {
                target_names(&l.target, out);
                assigned_names(&l.body, out);
                assigned_names(&l.orelse, out);
            }
            S::While(w) => {
                assigned_names(&w.body, out);
                assigned_names(&w.orelse, out);
            }
            S::If(i) => {
                assigned_names(&i.body, out);
                assigned_names(&i.orelse, out);
            }
            S::With(w) => {
                for item in &w.items {
                    if let Some(v) = &item.optional_vars {
                        target_names(v, out);
                    }
                }
                assigned_names(&w.body, out);
            }
            S::Try(t) => {
                assigned_names(&t.body, out);
                assigned_names(&t.orelse, out);
                assigned_names(&t.finalbody, out);
            }
            _ => {}
        }
    }
}

/// The names an assignment target binds.
pub fn target_names<'t>(target: &'t ast::Expr, out: &mut Vec<&'t str>) {
    match target {
        ast::Expr::Name(n) => out.push(n.id.as_str()),
        ast::Expr::Tuple(t) => t.elts.iter().for_each(|e| target_names(e, out)),
        ast::Expr::List(l) => l.elts.iter().for_each(|e| target_names(e, out)),
        ast::Expr::Starred(s) => target_names(&s.value, out),
        _ => {}
    }
}
