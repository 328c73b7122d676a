//! Sandbox mode only: the sandbox DANA "pays" a new demo order and notifies this server, so a
//! demo shows the whole path an order takes from DANA's payment to the orders list.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A payment the sandbox DANA took and notified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulatedPayment {
    pub partner_reference_no: String,
    pub amount_display: String,
    /// The SNAP answer this server's notify receiver gave (`2005600 Successful`).
    pub answer: String,
}

/// Admins, sandbox mode: a new order paid through the sandbox DANA's signed Finish Notify.
#[server(prefix = "/api", endpoint = "sandbox/pay")]
pub async fn simulate_payment() -> Result<SimulatedPayment, AppError> {
    use crate::money::Money;
    use crate::sandbox::notify::SandboxPayment;
    let (state, user) = super::require(crate::auth::role::Permission::ImportOrders).await?;
    let Some(notifier) = state.sandbox_payments.clone() else {
        return Err(super::with_status(AppError::NotFound(
            crate::i18n::td_string!(crate::language::current(), errors.not_found.sandbox)
                .to_string(),
        )));
    };
    let (reference, minor) = {
        use rand::Rng;
        let mut rng = rand::rng();
        let stamp = chrono::Utc::now()
            .with_timezone(&crate::time::jakarta())
            .format("%Y%m%d%H%M%S");
        (
            format!("DEMO-PAY-{stamp}-{:03}", rng.random_range(0..1000)),
            // Rp 10.000 to Rp 2.500.000 in whole rupiah, as shops price.
            rng.random_range(10..=2_500) * 1_000 * 100,
        )
    };
    let amount = Money::from_minor(minor).map_err(|_| AppError::Internal)?;
    let payment = SandboxPayment {
        partner_reference_no: reference.clone(),
        merchant_id: crate::seed::DEMO_MERCHANT_ID.into(),
        amount,
    };
    let (status, answer) = notifier
        .send(&notifier.paid_notification(&payment))
        .await
        .map_err(|err| {
            tracing::error!(%err, "the sandbox DANA could not notify this server");
            AppError::Internal
        })?;
    tracing::info!(actor = %user.email, reference = %reference, status, code = %answer.response_code, "sandbox payment notified");
    if status != 200 {
        return Err(AppError::Conflict(
            crate::i18n::td_string!(
                crate::language::current(),
                errors.conflict.notify_refused,
                code = &answer.response_code,
                message = &answer.response_message
            )
            .to_string(),
        ));
    }
    Ok(SimulatedPayment {
        partner_reference_no: reference,
        amount_display: amount.display_idr(),
        answer: format!("{} {}", answer.response_code, answer.response_message),
    })
}
