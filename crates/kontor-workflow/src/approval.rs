//! Approvals: how many people must approve an amount, and who may not.
//! Four eyes are on by default: whoever submitted or prepared something
//! never approves it, and one person never gives two of the approvals an
//! amount needs.

/// Approvals needed by amount: one, plus the extra approvals of every
/// threshold the amount is above.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ApprovalRule {
    /// (amount in cents, approvals needed above it), e.g. `[(500_000, 2)]`.
    pub thresholds: Vec<(i64, u8)>,
}

impl Default for ApprovalRule {
    /// A second approval above EUR 5,000.
    fn default() -> Self {
        Self {
            thresholds: vec![(500_000, 2)],
        }
    }
}

impl ApprovalRule {
    pub fn approvals_needed(&self, amount_cents: i64) -> u8 {
        self.thresholds
            .iter()
            .filter(|(limit, _)| amount_cents > *limit)
            .map(|(_, n)| *n)
            .max()
            .unwrap_or(1)
            .max(1)
    }
}

/// Why a person may not approve.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("whoever submitted or prepared it may not approve it (four eyes)")]
    OwnWork,
    #[error("this person has already approved it; the next approval must come from someone else")]
    AlreadyApproved,
    #[error("separation of duties: {0}")]
    SeparationOfDuties(String),
}

/// Whether `approver` may give the next approval. `involved` are the
/// people who submitted or prepared it, `approved` those who approved it
/// already, `conflicts` the separation-of-duties rules that bar the
/// approver (from the access layer).
pub fn check_approver(
    approver: &str,
    involved: &[String],
    approved: &[String],
    conflicts: &[String],
) -> Result<(), Refusal> {
    if involved.iter().any(|p| p == approver) {
        return Err(Refusal::OwnWork);
    }
    if approved.iter().any(|p| p == approver) {
        return Err(Refusal::AlreadyApproved);
    }
    if let Some(c) = conflicts.first() {
        return Err(Refusal::SeparationOfDuties(c.clone()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_the_threshold_two_approvals_are_needed() {
        let r = ApprovalRule::default();
        assert_eq!(r.approvals_needed(499_999), 1);
        assert_eq!(r.approvals_needed(500_000), 1);
        assert_eq!(r.approvals_needed(500_001), 2);
        let r = ApprovalRule {
            thresholds: vec![(100_000, 2), (5_000_000, 3)],
        };
        assert_eq!(r.approvals_needed(6_000_000), 3);
        assert_eq!(ApprovalRule { thresholds: vec![] }.approvals_needed(i64::MAX), 1);
    }

    #[test]
    fn the_submitter_never_approves_and_nobody_twice() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            check_approver("user:anna", &s(&["user:anna"]), &[], &[]),
            Err(Refusal::OwnWork)
        );
        assert_eq!(
            check_approver("user:ben", &s(&["user:anna"]), &s(&["user:ben"]), &[]),
            Err(Refusal::AlreadyApproved)
        );
        assert!(matches!(
            check_approver(
                "user:ben",
                &s(&["user:anna"]),
                &[],
                &s(&["SOD-1: changed the supplier's IBAN"])
            ),
            Err(Refusal::SeparationOfDuties(_))
        ));
        assert_eq!(check_approver("user:ben", &s(&["user:anna"]), &[], &[]), Ok(()));
    }
}
