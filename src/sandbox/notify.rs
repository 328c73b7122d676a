//! The sandbox's side of Finish Notify: when a sandbox order is paid, the sandbox DANA posts a
//! signed notification to the merchant, as DANA does: the minified JSON body, `X-TIMESTAMP`,
//! and `X-SIGNATURE` over `POST:<path>:hex(sha256(body)):X-TIMESTAMP` with DANA's private key.

use serde::Serialize;

use crate::dana::clock::{Clock, SystemClock, format_timestamp};
use crate::dana::notify::{FinishNotify, NotifyResponse};
use crate::dana::signing::{MerchantKey, string_to_sign};
use crate::dana::types::Amount;
use crate::money::Money;

/// A payment the sandbox DANA takes for a merchant's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SandboxPayment {
    pub partner_reference_no: String,
    pub merchant_id: String,
    pub amount: Money,
}

#[derive(Debug, thiserror::Error)]
pub enum NotifySendError {
    #[error("the merchant did not answer: {0}")]
    Transport(#[from] reqwest::Error),
    #[error("the merchant answered HTTP {status} with a body that is not a SNAP answer")]
    Unreadable { status: u16 },
}

/// Posts signed Finish Notify requests to one merchant URL.
#[derive(Clone)]
pub struct FinishNotifier {
    key: MerchantKey,
    base_url: String,
    path: String,
    client: reqwest::Client,
}

impl FinishNotifier {
    /// `base_url` is the merchant's origin (`http://127.0.0.1:3000`), `path` its notify path.
    pub fn new(key: MerchantKey, base_url: String, path: String) -> Self {
        Self {
            key,
            base_url,
            path,
            client: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .expect("an HTTP client without custom TLS builds"),
        }
    }

    /// A paid notification for `payment`, with a DANA-style reference and the current time.
    pub fn paid_notification(&self, payment: &SandboxPayment) -> FinishNotify {
        let now = format_timestamp(SystemClock.now());
        let reference: String = {
            use rand::Rng;
            let digits: String = (0..16)
                .map(|_| char::from(b'0' + rand::rng().random_range(0..10u8)))
                .collect();
            format!("{}SANDBOX{digits}", now[..10].replace('-', ""))
        };
        FinishNotify {
            original_partner_reference_no: payment.partner_reference_no.clone(),
            original_reference_no: reference,
            original_external_id: None,
            merchant_id: payment.merchant_id.clone(),
            sub_merchant_id: None,
            amount: Amount::from_money(payment.amount, crate::money::IDR),
            latest_transaction_status: "00".into(),
            transaction_status_desc: Some("SUCCESS".into()),
            created_time: now.clone(),
            finished_time: now,
            external_store_id: None,
            additional_info: None,
        }
    }

    /// Signs and posts `notify` as its raw JSON body; the merchant's SNAP answer and HTTP status.
    pub async fn send(
        &self,
        notify: &FinishNotify,
    ) -> Result<(u16, NotifyResponse), NotifySendError> {
        let body = serde_json::to_vec(notify).expect("a notification serialises");
        self.send_raw(&body).await
    }

    /// Signs and posts `body` exactly as given (tests send bodies DANA might: spaced, odd).
    pub async fn send_raw(&self, body: &[u8]) -> Result<(u16, NotifyResponse), NotifySendError> {
        let timestamp = format_timestamp(SystemClock.now());
        let signature = self
            .key
            .sign(&string_to_sign("POST", &self.path, body, &timestamp));
        let response = self
            .client
            .post(format!("{}{}", self.base_url, self.path))
            .header("Content-Type", "application/json")
            .header("X-TIMESTAMP", &timestamp)
            .header("X-SIGNATURE", signature)
            .body(body.to_vec())
            .send()
            .await?;
        let status = response.status().as_u16();
        let text = response.bytes().await?;
        serde_json::from_slice(&text)
            .map(|answer| (status, answer))
            .map_err(|_| NotifySendError::Unreadable { status })
    }
}
