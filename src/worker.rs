//! The worker: a background task that works due cancels and refunds, and expires approval
//! requests nobody decided, every poll interval until the process ends. A crash loses nothing: leases run out and the next worker takes over.

use crate::approval::service::ApprovalService;
use crate::cancel::service::CancelService;
use crate::db::cancels;
use crate::refund::service::RefundService;

/// Logs what a crash left behind before the first pass.
async fn report_interrupted(service: &CancelService) {
    let now = match service.clock().now(service.pool()).await {
        Ok(now) => now,
        Err(err) => {
            tracing::error!(%err, "could not read the database clock");
            return;
        }
    };
    match cancels::interrupted_attempts(service.pool(), now).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            attempts = n,
            "attempts were left in flight by a stopped server; each is checked with DANA's Query Payment before any resend"
        ),
        Err(err) => tracing::error!(%err, "could not look for attempts left in flight"),
    }
}

/// Starts the worker on this server: one pass over due cancels, then over due refunds, each
/// poll interval.
pub fn spawn_worker(
    service: CancelService,
    refunds: RefundService,
    approvals: ApprovalService,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        report_interrupted(&service).await;
        tracing::info!(instance = %service.instance(), "pending-cancel worker started");
        let mut interval = tokio::time::interval(service.policy().poll);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let started = std::time::Instant::now();
            let now = match service.clock().now(service.pool()).await {
                Ok(now) => now,
                Err(err) => {
                    tracing::error!(%err, "worker pass skipped: could not read the database clock");
                    continue;
                }
            };
            match service.work_due(now).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(
                    worked = n,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "worker pass"
                ),
                Err(err) => tracing::error!(%err, "worker pass failed"),
            }
            match refunds.work_due(now).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(worked = n, "refund worker pass"),
                Err(err) => tracing::error!(%err, "refund worker pass failed"),
            }
            match approvals.expire_due().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(expired = n, "approval requests expired"),
                Err(err) => tracing::error!(%err, "approval expiry pass failed"),
            }
        }
    })
}
