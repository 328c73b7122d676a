//! A statement built from pieces with placeholders in each engine's form: numbered `$1` on
//! PostgreSQL (sqlx's own `QueryBuilder` writes `?` for the `Any` driver, which PostgreSQL
//! refuses), anonymous `?` on SQLite. SQLite keeps numbered and named parameters in a list that
//! sqlx walks once per parameter, O(n²) for a bulk insert of thousands of values (measured: 70%
//! of seeding time); anonymous ones are bound by position, in the order they were pushed.

use std::fmt::Write as _;

use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments, Encode, Type};

pub struct Sql<'q> {
    text: String,
    args: AnyArguments<'q>,
    binds: usize,
    marker: char,
}

impl<'q> Sql<'q> {
    /// A statement for `engine`.
    pub fn new(engine: super::Engine, text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            args: AnyArguments::default(),
            binds: 0,
            marker: match engine {
                super::Engine::Sqlite => '?',
                super::Engine::Postgres => '$',
            },
        }
    }

    pub fn push(&mut self, text: impl AsRef<str>) -> &mut Self {
        self.text.push_str(text.as_ref());
        self
    }

    /// Appends the next placeholder and binds `value` to it.
    pub fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'q + Encode<'q, Any> + Type<Any>,
    {
        self.binds += 1;
        match self.marker {
            '$' => {
                let _ = write!(self.text, "${}", self.binds);
            }
            _ => self.text.push('?'),
        }
        self.args
            .add(value)
            .expect("values of the Any driver's own types always encode");
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The statement and its arguments, for `sqlx::query_with` and friends.
    pub fn into_parts(self) -> (String, AnyArguments<'q>) {
        (self.text, self.args)
    }
}

#[cfg(test)]
mod tests {
    use crate::db::Engine;

    #[test]
    fn placeholders_are_numbered_in_order_in_each_engines_form() {
        for (engine, want) in [
            (
                Engine::Postgres,
                "SELECT id FROM orders WHERE status = $1 AND paid_at >= $2",
            ),
            (
                Engine::Sqlite,
                "SELECT id FROM orders WHERE status = ? AND paid_at >= ?",
            ),
        ] {
            let mut sql = super::Sql::new(engine, "SELECT id FROM orders WHERE status = ");
            sql.bind("PAID").push(" AND paid_at >= ").bind(5_i64);
            assert_eq!(sql.text(), want);
        }
    }
}
