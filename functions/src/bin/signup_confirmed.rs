//! Cognito's post-confirmation trigger signup-confirmed — `shared::user_pool::signup_confirmed`, wired to its row
//! of the route table.
use api::routes;
use shared::user_pool;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_user_pool(&routes::SIGNUP_CONFIRMED, user_pool::signup_confirmed).await
}
