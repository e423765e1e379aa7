//! Typed ids: a `CustomerId` cannot be passed where an `OrderId` is wanted.

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// A fresh random (v4 UUID) id.
            pub fn generate() -> Self {
                Self(uuid::Uuid::new_v4().to_string())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }
    };
}

typed_id!(
    /// A customer (buyer); equal to the `sub` claim of their token.
    CustomerId
);
typed_id!(ServerId);
typed_id!(PlanId);
typed_id!(OrderId);
typed_id!(
    /// A server client is named by its uuid, which is also its login on the X-UI panel.
    ClientId
);
typed_id!(TransactionId);
typed_id!(AlertId);
typed_id!(
    /// A job's id survives retries and DLQ redrives, so idempotency holds across them.
    JobId
);
