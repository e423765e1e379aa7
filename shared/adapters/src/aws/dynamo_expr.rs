//! Translation of the store port's conditions and updates into DynamoDB expressions.

use aws_sdk_dynamodb::types::AttributeValue;
use proxy_core::ports::table::{Condition, TTL, UpdateAction, Value};
use std::collections::HashMap;

/// Collects placeholder names and values while expressions are written.
#[derive(Default)]
pub struct Expr {
    pub names: HashMap<String, String>,
    pub values: HashMap<String, AttributeValue>,
}

impl Expr {
    fn name(&mut self, attribute: &str) -> String {
        if let Some((placeholder, _)) = self.names.iter().find(|(_, a)| a.as_str() == attribute) {
            return placeholder.clone();
        }
        let placeholder = format!("#n{}", self.names.len());
        self.names.insert(placeholder.clone(), attribute.to_owned());
        placeholder
    }

    fn value(&mut self, value: AttributeValue) -> String {
        let placeholder = format!(":v{}", self.values.len());
        self.values.insert(placeholder.clone(), value);
        placeholder
    }

    /// A condition expression. `now` (epoch seconds) decides which items count as expired by their TTL.
    pub fn condition(&mut self, condition: &Condition, now: i64) -> String {
        match condition {
            Condition::NotExists => {
                let pk = self.name("pk");
                let ttl = self.name(TTL);
                let now = self.value(AttributeValue::N(now.to_string()));
                format!("(attribute_not_exists({pk}) OR {ttl} <= {now})")
            }
            Condition::Exists => {
                let pk = self.name("pk");
                let ttl = self.name(TTL);
                let now = self.value(AttributeValue::N(now.to_string()));
                format!("(attribute_exists({pk}) AND (attribute_not_exists({ttl}) OR {ttl} > {now}))")
            }
            Condition::AttributeEquals(a, v) => self.comparison(a, "=", v.clone().into()),
            Condition::AttributeNotEquals(a, v) => self.comparison(a, "<>", v.clone().into()),
            Condition::AtLeast(a, n) => self.comparison(a, ">=", AttributeValue::N(n.to_string())),
            Condition::AtMost(a, n) => self.comparison(a, "<=", AttributeValue::N(n.to_string())),
            Condition::LessThan(a, n) => self.comparison(a, "<", AttributeValue::N(n.to_string())),
            Condition::AttributeMissing(a) => format!("attribute_not_exists({})", self.name(a)),
            Condition::And(all) => self.join(all, " AND ", now),
            Condition::Or(any) => self.join(any, " OR ", now),
        }
    }

    fn comparison(&mut self, attribute: &str, op: &str, value: AttributeValue) -> String {
        let n = self.name(attribute);
        let v = self.value(value);
        format!("{n} {op} {v}")
    }

    fn join(&mut self, parts: &[Condition], separator: &str, now: i64) -> String {
        if parts.is_empty() {
            // An empty AND holds; an empty OR does not. Express both without a dummy attribute.
            let pk = self.name("pk");
            return if separator == " AND " {
                format!("(attribute_exists({pk}) OR attribute_not_exists({pk}))")
            } else {
                format!("(attribute_exists({pk}) AND attribute_not_exists({pk}))")
            };
        }
        let parts: Vec<String> = parts.iter().map(|c| self.condition(c, now)).collect();
        format!("({})", parts.join(separator))
    }

    /// An update expression. `Add` is `SET a = if_not_exists(a, 0) + v` so it works on decimals of any scale.
    pub fn update(&mut self, actions: &[UpdateAction]) -> String {
        let mut sets = Vec::new();
        let mut removes = Vec::new();
        for action in actions {
            match action {
                UpdateAction::Set(a, v) => {
                    let n = self.name(a);
                    let v = self.value(Value::clone(v).into());
                    sets.push(format!("{n} = {v}"));
                }
                UpdateAction::SetIfMissing(a, v) => {
                    let n = self.name(a);
                    let v = self.value(Value::clone(v).into());
                    sets.push(format!("{n} = if_not_exists({n}, {v})"));
                }
                UpdateAction::Add(a, by) => {
                    let n = self.name(a);
                    let zero = self.value(AttributeValue::N("0".into()));
                    let v = self.value(AttributeValue::N(by.to_string()));
                    sets.push(format!("{n} = if_not_exists({n}, {zero}) + {v}"));
                }
                UpdateAction::Remove(a) => removes.push(self.name(a)),
            }
        }
        let mut expression = String::new();
        if !sets.is_empty() {
            expression.push_str("SET ");
            expression.push_str(&sets.join(", "));
        }
        if !removes.is_empty() {
            if !expression.is_empty() {
                expression.push(' ');
            }
            expression.push_str("REMOVE ");
            expression.push_str(&removes.join(", "));
        }
        expression
    }

    pub fn names_or_none(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    pub fn values_or_none(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn conditions_translate_with_placeholders_for_every_name_and_value() {
        let mut expr = Expr::default();
        let text = expr.condition(
            &Condition::Or(vec![
                Condition::NotExists,
                Condition::And(vec![
                    Condition::AttributeEquals("status".into(), Value::S("in_progress".into())),
                    Condition::LessThan("lease_until".into(), Decimal::from(100)),
                ]),
            ]),
            50,
        );
        assert_eq!(text, "((attribute_not_exists(#n0) OR #n1 <= :v0) OR (#n2 = :v1 AND #n3 < :v2))");
        assert_eq!(expr.names.get("#n1").map(String::as_str), Some("ttl"));
        assert_eq!(expr.values.get(":v0"), Some(&AttributeValue::N("50".into())));
    }

    #[test]
    fn updates_add_atomically_and_remove() {
        let mut expr = Expr::default();
        let text = expr.update(&[
            UpdateAction::Add("balance".into(), Decimal::new(-250, 2)),
            UpdateAction::Set("updated_at".into(), Value::S("t".into())),
            UpdateAction::Remove("lease".into()),
        ]);
        assert_eq!(text, "SET #n0 = if_not_exists(#n0, :v0) + :v1, #n1 = :v2 REMOVE #n2");
        assert_eq!(expr.values.get(":v1"), Some(&AttributeValue::N("-2.50".into())));
    }
}
