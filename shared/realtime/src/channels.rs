//! The channels there are and who may join each. Every channel is private or presence (there is nothing public
//! to broadcast): `private-customer.{id}` for that customer only, `private-chat.{conversation}` for its
//! participants, `presence-support` for anyone signed in, `private-admin` and `presence-admins` for admins.

use api::Identity;

/// Pusher's limit on a channel's name.
pub const MAX_CHANNEL_NAME: usize = 164;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Channel {
    /// `private-customer.{id}`: a customer's orders, clients, wallet and notifications.
    Customer(String),
    /// `private-chat.{conversation}`: a support conversation's messages and typing.
    Chat(String),
    /// `private-admin`: system alerts and the admins' notifications.
    Admin,
    /// `presence-support`: who is online for support (customers and admins).
    Support,
    /// `presence-admins`: which admins are online.
    Admins,
}

/// Whether the caller may join a channel, or what else must be known first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Allowed,
    Denied,
    /// Allowed if the caller takes part in this conversation (the store says; an admin always may).
    IfParticipant(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    #[error("a channel name is 1 to {MAX_CHANNEL_NAME} of A-Z a-z 0-9 _ - = @ , . ;")]
    Malformed,
    #[error("there is no such channel")]
    Unknown,
}

impl Channel {
    pub fn parse(name: &str) -> Result<Channel, ChannelError> {
        let allowed = |b: u8| b.is_ascii_alphanumeric() || b"_-=@,.;".contains(&b);
        if name.is_empty() || name.len() > MAX_CHANNEL_NAME || !name.bytes().all(allowed) {
            return Err(ChannelError::Malformed);
        }
        let id = |rest: &str| Some(rest.to_owned()).filter(|r| !r.is_empty() && !r.contains('.'));
        match name {
            "private-admin" => Ok(Channel::Admin),
            "presence-support" => Ok(Channel::Support),
            "presence-admins" => Ok(Channel::Admins),
            _ => {
                if let Some(customer) = name.strip_prefix("private-customer.").and_then(id) {
                    Ok(Channel::Customer(customer))
                } else if let Some(conversation) = name.strip_prefix("private-chat.").and_then(id) {
                    Ok(Channel::Chat(conversation))
                } else {
                    Err(ChannelError::Unknown)
                }
            }
        }
    }

    pub fn name(&self) -> String {
        match self {
            Channel::Customer(id) => format!("private-customer.{id}"),
            Channel::Chat(id) => format!("private-chat.{id}"),
            Channel::Admin => "private-admin".to_owned(),
            Channel::Support => "presence-support".to_owned(),
            Channel::Admins => "presence-admins".to_owned(),
        }
    }

    /// A presence channel tells its members who else is there (`member_added`, `member_removed`).
    pub fn is_presence(&self) -> bool {
        matches!(self, Channel::Support | Channel::Admins)
    }

    /// Who may join: only the caller's own channels.
    pub fn access(&self, caller: &Identity) -> Access {
        let allowed = |yes: bool| if yes { Access::Allowed } else { Access::Denied };
        match self {
            Channel::Customer(id) => allowed(*id == caller.subject),
            Channel::Chat(_) if caller.is_admin() => Access::Allowed,
            Channel::Chat(conversation) => Access::IfParticipant(conversation.clone()),
            Channel::Admin | Channel::Admins => allowed(caller.is_admin()),
            Channel::Support => allowed(!caller.subject.is_empty()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(id: &str) -> Identity {
        Identity { subject: id.to_owned(), groups: Vec::new() }
    }

    fn admin() -> Identity {
        Identity { subject: "a-1".to_owned(), groups: vec!["admin".to_owned()] }
    }

    #[test]
    fn names_parse_to_their_channels_and_back() {
        for name in ["private-customer.c-1", "private-chat.k-9", "private-admin", "presence-support", "presence-admins"]
        {
            assert_eq!(Channel::parse(name).unwrap().name(), name);
        }
        assert_eq!(Channel::parse("private-customer.c-1"), Ok(Channel::Customer("c-1".into())));
    }

    #[test]
    fn malformed_and_unknown_names_are_refused() {
        for malformed in ["", "private customer", "private-chat.<x>", &"a".repeat(MAX_CHANNEL_NAME + 1)] {
            assert_eq!(Channel::parse(malformed), Err(ChannelError::Malformed), "{malformed}");
        }
        for unknown in ["orders", "private-customer.", "private-customer.a.b", "private-encrypted-x", "presence-x"] {
            assert_eq!(Channel::parse(unknown), Err(ChannelError::Unknown), "{unknown}");
        }
    }

    #[test]
    fn callers_may_join_their_own_channels_only() {
        let own = Channel::Customer("c-1".into());
        assert_eq!(own.access(&customer("c-1")), Access::Allowed);
        assert_eq!(own.access(&customer("c-2")), Access::Denied, "another customer's channel");
        assert_eq!(own.access(&admin()), Access::Denied, "not the admin's own either");
        assert_eq!(Channel::Admin.access(&customer("c-1")), Access::Denied);
        assert_eq!(Channel::Admins.access(&admin()), Access::Allowed);
        assert_eq!(Channel::Support.access(&customer("c-1")), Access::Allowed);
        assert_eq!(Channel::Support.access(&Identity::anonymous()), Access::Denied);
        let chat = Channel::Chat("k-1".into());
        assert_eq!(chat.access(&customer("c-1")), Access::IfParticipant("k-1".into()));
        assert_eq!(chat.access(&admin()), Access::Allowed);
        assert!(Channel::Support.is_presence() && !own.is_presence());
    }
}
