//! Separation of duties (Funktionstrennung): who did one duty on an object
//! may not do certain later duties on it. The rule set is data; the
//! application layer records every duty a person performs and checks the
//! rules before the next one, refusing and logging violations.

/// A duty someone performs on an object, recorded per object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Duty {
    /// Created a business partner (supplier or customer).
    PartnerCreate,
    /// Entered or changed a partner's bank account.
    PartnerBankChange,
    /// Confirmed a partner's bank account after checking it (four-eyes).
    PartnerBankConfirm,
    /// Approved an incoming invoice of a partner.
    InvoiceApprove,
    /// Released a payment to a partner.
    PaymentRelease,
}

impl Duty {
    pub const ALL: [Duty; 5] = [
        Duty::PartnerCreate,
        Duty::PartnerBankChange,
        Duty::PartnerBankConfirm,
        Duty::InvoiceApprove,
        Duty::PaymentRelease,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Duty::PartnerCreate => "partner.create",
            Duty::PartnerBankChange => "partner.bank_change",
            Duty::PartnerBankConfirm => "partner.bank_confirm",
            Duty::InvoiceApprove => "invoice.approve",
            Duty::PaymentRelease => "payment.release",
        }
    }

    pub fn parse(s: &str) -> Option<Duty> {
        Duty::ALL.into_iter().find(|d| d.key() == s)
    }
}

/// One rule: a person who did any of `earlier` on an object may not do any
/// of `later` on it.
#[derive(Debug)]
pub struct SodRule {
    /// Stable code, quoted in refusals and the audit trail.
    pub code: &'static str,
    pub earlier: &'static [Duty],
    pub later: &'static [Duty],
    pub en: &'static str,
    pub de: &'static str,
}

/// kontor's rule set.
pub const RULES: &[SodRule] = &[SodRule {
    code: "SOD-1",
    earlier: &[Duty::PartnerCreate, Duty::PartnerBankChange],
    later: &[Duty::PartnerBankConfirm, Duty::InvoiceApprove, Duty::PaymentRelease],
    en: "Whoever created a business partner or changed its bank account may not confirm that bank account, \
         approve the partner's invoices or release payments to it.",
    de: "Wer einen Geschäftspartner angelegt oder seine Bankverbindung geändert hat, darf diese Bankverbindung \
         nicht bestätigen, keine Rechnungen des Partners freigeben und keine Zahlungen an ihn freigeben.",
}];

/// The first rule `next` would break, given the duties the same person
/// already performed on the object.
pub fn violated(done: &[Duty], next: Duty) -> Option<&'static SodRule> {
    RULES
        .iter()
        .find(|r| r.later.contains(&next) && done.iter().any(|d| r.earlier.contains(d)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_changed_the_bank_account_may_not_confirm_or_pay() {
        assert!(violated(&[Duty::PartnerBankChange], Duty::PartnerBankConfirm).is_some());
        assert!(violated(&[Duty::PartnerCreate], Duty::PaymentRelease).is_some());
        assert!(violated(&[Duty::PartnerBankConfirm], Duty::InvoiceApprove).is_none());
        assert!(violated(&[], Duty::PartnerBankConfirm).is_none());
        // Changing again is not a violation: the change itself is the earlier duty.
        assert!(violated(&[Duty::PartnerBankChange], Duty::PartnerBankChange).is_none());
    }

    #[test]
    fn duty_keys_round_trip() {
        for d in Duty::ALL {
            assert_eq!(Duty::parse(d.key()), Some(d));
        }
    }
}
