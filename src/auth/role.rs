//! Roles and the permission matrix: one table, read by server-side checks and by the UI.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Finance,
    Operations,
    Supervisor,
    Admin,
}

/// Everything a signed-in user can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    ViewOrders,
    CancelOrder,
    /// Refund a paid order, fully or in part.
    RefundOrder,
    ViewPendingQueue,
    /// Retry now, check status with DANA, resolve with a note.
    WorkPendingQueue,
    ViewAuditLog,
    ExportAuditLog,
    ManageUsers,
    /// Upload a CSV of orders and import it.
    ImportOrders,
    /// Approve or reject another person's large cancel or refund, or settling by hand.
    Approve,
}

impl Permission {
    pub const ALL: [Permission; 10] = [
        Permission::ViewOrders,
        Permission::CancelOrder,
        Permission::RefundOrder,
        Permission::ViewPendingQueue,
        Permission::WorkPendingQueue,
        Permission::ViewAuditLog,
        Permission::ExportAuditLog,
        Permission::ManageUsers,
        Permission::ImportOrders,
        Permission::Approve,
    ];
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Finance,
        Role::Operations,
        Role::Supervisor,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Finance => "finance",
            Role::Operations => "operations",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The role's name as people read it, in `locale`.
    pub fn label_in(self, locale: crate::i18n::Locale) -> &'static str {
        use crate::i18n::td_string;
        match self {
            Role::Finance => td_string!(locale, labels.role.finance),
            Role::Operations => td_string!(locale, labels.role.operations),
            Role::Supervisor => td_string!(locale, labels.role.supervisor),
            Role::Admin => td_string!(locale, labels.role.admin),
        }
    }

    /// The permission matrix.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Finance => &[ViewOrders, CancelOrder, RefundOrder],
            Role::Operations => &[ViewOrders, ViewPendingQueue, WorkPendingQueue],
            Role::Supervisor => &[ViewOrders, ViewAuditLog, ExportAuditLog, Approve],
            Role::Admin => &[
                ViewOrders,
                CancelOrder,
                RefundOrder,
                ViewPendingQueue,
                WorkPendingQueue,
                ViewAuditLog,
                ExportAuditLog,
                ManageUsers,
                ImportOrders,
                Approve,
            ],
        }
    }

    pub fn can(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matrix() {
        use Permission::*;
        let allowed = |r: Role| {
            Permission::ALL
                .into_iter()
                .filter(|p| r.can(*p))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            allowed(Role::Finance),
            vec![ViewOrders, CancelOrder, RefundOrder]
        );
        assert_eq!(
            allowed(Role::Operations),
            vec![ViewOrders, ViewPendingQueue, WorkPendingQueue]
        );
        assert_eq!(
            allowed(Role::Supervisor),
            vec![ViewOrders, ViewAuditLog, ExportAuditLog, Approve]
        );
        assert_eq!(allowed(Role::Admin), Permission::ALL.to_vec());
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
    }
}
