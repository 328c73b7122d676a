//! A statement built from pieces with numbered placeholders (`$1`, `$2`, …), which both engines
//! accept; sqlx's own `QueryBuilder` writes `?` for the `Any` driver, which PostgreSQL refuses.

use std::fmt::Write as _;

use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments, Encode, Type};

pub struct Sql<'q> {
    text: String,
    args: AnyArguments<'q>,
    binds: usize,
}

impl<'q> Sql<'q> {
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            args: AnyArguments::default(),
            binds: 0,
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
        let _ = write!(self.text, "${}", self.binds);
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
    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut sql = super::Sql::new("SELECT id FROM orders WHERE status = ");
        sql.bind("PAID").push(" AND paid_at >= ").bind(5_i64);
        assert_eq!(
            sql.text(),
            "SELECT id FROM orders WHERE status = $1 AND paid_at >= $2"
        );
    }
}
