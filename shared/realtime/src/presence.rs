//! A presence channel's members, from the connections on it: a member is a user, however many connections (tabs)
//! they have open, so `member_added` goes out for a user's first connection and `member_removed` for their last,
//! never for a second tab. What the registry holds is read after the change, so the decisions below are made
//! from the channel's connections as they are once the joining connection is on it (or the leaving one off).

use proxy_core::domain::Subscriber;
use serde_json::Value;

/// Whether a member is an admin: the role the channel authorisation signed into its `user_info`.
pub fn is_admin(member: &Subscriber) -> bool {
    member.user_info["role"] == "admin"
}

/// Whether a member joining or leaving, or being there, is shown to a viewer. On the support channel customers see
/// the admins (and themselves), never each other: who else needs support is none of a customer's business.
pub fn shown(on_support: bool, member_is_admin: bool, viewer_is_admin: bool) -> bool {
    !on_support || member_is_admin || viewer_is_admin
}

/// The members, one per user, in the order their first connection appears, each with the `user_info` of that
/// connection.
pub fn members(subscribers: &[Subscriber]) -> Vec<(String, Value)> {
    let mut members: Vec<(String, Value)> = Vec::new();
    for s in subscribers {
        if !members.iter().any(|(id, _)| *id == s.subject) {
            members.push((s.subject.clone(), s.user_info.clone()));
        }
    }
    members
}

/// Whether `subject` joining through `connection_id` adds a member: no other connection of theirs is on the
/// channel (`subscribers` includes the joining connection). A connection subscribing again to a channel it is
/// already on is the caller's to notice first: it joins nothing.
pub fn joins_as_new_member(subscribers: &[Subscriber], subject: &str, connection_id: &str) -> bool {
    !subscribers.iter().any(|s| s.subject == subject && s.connection_id != connection_id)
}

/// Whether `subject` leaving removes a member: none of their connections is left on the channel
/// (`subscribers` without the leaving connection).
pub fn leaves_as_last_connection(subscribers: &[Subscriber], subject: &str) -> bool {
    !subscribers.iter().any(|s| s.subject == subject)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn on(connection: &str, subject: &str) -> Subscriber {
        Subscriber { connection_id: connection.into(), subject: subject.into(), user_info: json!({"name": subject}) }
    }

    #[test]
    fn a_user_with_two_tabs_is_one_member() {
        let channel = [on("t1", "ann"), on("b1", "bo"), on("t2", "ann")];
        assert_eq!(
            members(&channel),
            [("ann".to_owned(), json!({"name": "ann"})), ("bo".to_owned(), json!({"name": "bo"}))]
        );
        assert!(members(&[]).is_empty());
    }

    #[test]
    fn only_a_users_first_connection_adds_them_and_only_their_last_removes_them() {
        // Ann opens a first tab, then a second.
        assert!(joins_as_new_member(&[on("t1", "ann")], "ann", "t1"));
        assert!(!joins_as_new_member(&[on("t1", "ann"), on("t2", "ann")], "ann", "t2"));
        // Bo is on the channel already: Ann's first tab still adds her.
        assert!(joins_as_new_member(&[on("t1", "ann"), on("b1", "bo")], "ann", "t1"));
        // She closes one tab, then the other.
        assert!(!leaves_as_last_connection(&[on("t2", "ann"), on("b1", "bo")], "ann"));
        assert!(leaves_as_last_connection(&[on("b1", "bo")], "ann"));
    }

    #[test]
    fn on_support_customers_see_the_admins_and_admins_see_everyone() {
        assert!(shown(true, true, false), "a customer sees an admin");
        assert!(shown(true, false, true), "an admin sees a customer");
        assert!(!shown(true, false, false), "a customer does not see another");
        assert!(shown(false, false, false), "elsewhere everyone is shown");
        let admin = Subscriber { connection_id: "c".into(), subject: "a".into(), user_info: json!({"role": "admin"}) };
        assert!(is_admin(&admin) && !is_admin(&on("d", "b")));
    }
}
