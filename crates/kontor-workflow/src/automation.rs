//! Automation levels and reviews: how much kontor does on its own in a
//! step, which of its results a person checks, and when a step that errs
//! too often is lowered a level.

use sha2::{Digest, Sha256};

/// How automated a step is; a person chooses it per step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AutomationLevel {
    /// A person does it.
    Manual,
    /// kontor proposes, a person confirms.
    Suggest,
    /// kontor acts; a sample, low confidence and high amounts go to a person.
    AutoWithReview,
    /// kontor acts.
    Auto,
}

impl AutomationLevel {
    pub const ALL: [AutomationLevel; 4] = [
        AutomationLevel::Manual,
        AutomationLevel::Suggest,
        AutomationLevel::AutoWithReview,
        AutomationLevel::Auto,
    ];

    pub fn key(self) -> &'static str {
        match self {
            AutomationLevel::Manual => "manual",
            AutomationLevel::Suggest => "suggest",
            AutomationLevel::AutoWithReview => "auto_with_review",
            AutomationLevel::Auto => "auto",
        }
    }

    pub fn parse(s: &str) -> Option<AutomationLevel> {
        AutomationLevel::ALL.into_iter().find(|l| l.key() == s)
    }

    /// One level less automated (`manual` stays).
    pub fn lower(self) -> AutomationLevel {
        match self {
            AutomationLevel::Auto => AutomationLevel::AutoWithReview,
            AutomationLevel::AutoWithReview => AutomationLevel::Suggest,
            AutomationLevel::Suggest | AutomationLevel::Manual => AutomationLevel::Manual,
        }
    }
}

/// Which results of an `auto_with_review` step a person checks.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReviewPolicy {
    /// Random sample, per mille (100 = 10 %).
    #[serde(default)]
    pub sample_permille: u16,
    /// Results with a lower confidence (percent) are always checked.
    #[serde(default)]
    pub confidence_min: u8,
    /// Amounts above this (cents) are always checked.
    #[serde(default)]
    pub amount_max_cents: Option<i64>,
}

/// Whether a person sees a step's result, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Review {
    /// kontor's result stands.
    None,
    /// A person does the step (`manual`).
    Manual,
    /// A person confirms kontor's proposal (`suggest`).
    Confirm,
    /// Drawn in the random sample.
    Sampled,
    LowConfidence,
    HighAmount,
}

impl Review {
    /// Whether the instance waits for a person.
    pub fn needs_person(self) -> bool {
        self != Review::None
    }
}

impl ReviewPolicy {
    /// Decides for one instance's step. The sample is drawn from the
    /// instance and step ids, so the same instance gets the same answer
    /// after a restart, and about `sample_permille` of all instances are
    /// drawn.
    pub fn decide(
        &self,
        level: AutomationLevel,
        instance_id: &str,
        step: &str,
        confidence: u8,
        amount_cents: Option<i64>,
    ) -> Review {
        match level {
            AutomationLevel::Manual => Review::Manual,
            AutomationLevel::Suggest => Review::Confirm,
            AutomationLevel::Auto => Review::None,
            AutomationLevel::AutoWithReview => {
                if confidence < self.confidence_min {
                    Review::LowConfidence
                } else if self
                    .amount_max_cents
                    .is_some_and(|m| amount_cents.is_some_and(|a| a > m))
                {
                    Review::HighAmount
                } else if draw(instance_id, step) < u64::from(self.sample_permille.min(1000)) {
                    Review::Sampled
                } else {
                    Review::None
                }
            }
        }
    }
}

/// A number in 0..1000 from the instance and step ids, evenly spread.
fn draw(instance_id: &str, step: &str) -> u64 {
    let h = Sha256::new()
        .chain_update(instance_id.as_bytes())
        .chain_update([0u8])
        .chain_update(step.as_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&h[..8]);
    u64::from_le_bytes(first) % 1000
}

/// What reviews found for a step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReviewStats {
    pub reviewed: u64,
    /// Reviews where kontor was wrong.
    pub wrong: u64,
}

impl ReviewStats {
    pub fn record(&mut self, kontor_was_right: bool) {
        self.reviewed += 1;
        if !kontor_was_right {
            self.wrong += 1;
        }
    }

    /// The error rate, per mille; `None` before the first review.
    pub fn error_permille(&self) -> Option<u64> {
        (self.reviewed > 0).then(|| self.wrong * 1000 / self.reviewed)
    }

    /// The level a step drops to when, over at least `min_reviews` reviews,
    /// its error rate is above `threshold_permille`; `None` while it is
    /// fine (or too few reviews to judge).
    pub fn demotion(
        &self,
        level: AutomationLevel,
        threshold_permille: u64,
        min_reviews: u64,
    ) -> Option<AutomationLevel> {
        let rate = self.error_permille()?;
        (self.reviewed >= min_reviews && rate > threshold_permille && level > AutomationLevel::Suggest)
            .then(|| level.lower())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ten_percent_sampling_draws_about_a_tenth_and_the_same_again() {
        let p = ReviewPolicy {
            sample_permille: 100,
            confidence_min: 0,
            amount_max_cents: None,
        };
        let drawn = (0..1000)
            .filter(|i| {
                p.decide(
                    AutomationLevel::AutoWithReview,
                    &format!("inst-{i}"),
                    "propose_booking",
                    95,
                    Some(100),
                ) == Review::Sampled
            })
            .count();
        assert!((70..=130).contains(&drawn), "{drawn} of 1000");
        let again = p.decide(
            AutomationLevel::AutoWithReview,
            "inst-7",
            "propose_booking",
            95,
            Some(100),
        );
        assert_eq!(
            again,
            p.decide(
                AutomationLevel::AutoWithReview,
                "inst-7",
                "propose_booking",
                95,
                Some(100)
            )
        );
    }

    #[test]
    fn low_confidence_and_high_amounts_always_go_to_a_person() {
        let p = ReviewPolicy {
            sample_permille: 0,
            confidence_min: 80,
            amount_max_cents: Some(500_000),
        };
        let d = |c, a| p.decide(AutomationLevel::AutoWithReview, "i", "s", c, Some(a));
        assert_eq!(d(79, 100), Review::LowConfidence);
        assert_eq!(d(95, 500_001), Review::HighAmount);
        assert_eq!(d(95, 500_000), Review::None);
        assert_eq!(
            p.decide(AutomationLevel::Auto, "i", "s", 0, Some(10_000_000)),
            Review::None
        );
        assert_eq!(p.decide(AutomationLevel::Suggest, "i", "s", 100, None), Review::Confirm);
        assert_eq!(p.decide(AutomationLevel::Manual, "i", "s", 100, None), Review::Manual);
    }

    #[test]
    fn a_step_that_errs_too_often_drops_to_suggest() {
        let mut s = ReviewStats::default();
        for i in 0..40 {
            s.record(i % 5 != 0); // 20 % wrong
        }
        assert_eq!(s.error_permille(), Some(200));
        assert_eq!(
            s.demotion(AutomationLevel::AutoWithReview, 100, 20),
            Some(AutomationLevel::Suggest)
        );
        assert_eq!(s.demotion(AutomationLevel::AutoWithReview, 250, 20), None);
        assert_eq!(
            s.demotion(AutomationLevel::AutoWithReview, 100, 50),
            None,
            "too few reviews yet"
        );
        assert_eq!(
            s.demotion(AutomationLevel::Suggest, 100, 20),
            None,
            "a person confirms already"
        );
        assert_eq!(ReviewStats::default().demotion(AutomationLevel::Auto, 0, 0), None);
    }

    proptest! {
        #[test]
        fn levels_round_trip_and_lowering_never_raises(i in 0usize..4) {
            let l = AutomationLevel::ALL[i];
            prop_assert_eq!(AutomationLevel::parse(l.key()), Some(l));
            prop_assert!(l.lower() <= l);
        }
    }
}
