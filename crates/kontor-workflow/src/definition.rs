//! Process definitions: declarative, versioned, checked before use. A
//! running instance keeps the version it started with; a new version only
//! applies to new instances.

use std::collections::{BTreeMap, HashSet};

use crate::approval::ApprovalRule;
use crate::automation::{AutomationLevel, ReviewPolicy};

/// What a step is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// kontor does it (at the step's automation level).
    Automatic,
    /// A person does it in the task inbox.
    HumanTask,
    /// Chooses the next step by the conditions of its transitions.
    Decision,
    /// Waits until a date or an event.
    Wait,
    /// The process ends here.
    End,
}

/// When a transition is taken, evaluated against the instance's facts.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "if")]
pub enum Condition {
    Always,
    /// The step ended with this outcome (`approved`, `rejected`, `valid`, …).
    Outcome {
        outcome: String,
    },
    /// The amount (cents) is above the limit.
    AmountAbove {
        cents: i64,
    },
    /// The amount (cents) is at most the limit.
    AmountAtMost {
        cents: i64,
    },
    /// A fact is set to true.
    Flag {
        name: String,
    },
    /// A fact is not set or false.
    NotFlag {
        name: String,
    },
}

/// The facts a condition looks at: the step's outcome, the amount, flags.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    pub outcome: Option<String>,
    pub amount_cents: Option<i64>,
    pub flags: BTreeMap<String, bool>,
}

impl Condition {
    pub fn holds(&self, f: &Facts) -> bool {
        match self {
            Condition::Always => true,
            Condition::Outcome { outcome } => f.outcome.as_deref() == Some(outcome.as_str()),
            Condition::AmountAbove { cents } => f.amount_cents.is_some_and(|a| a > *cents),
            Condition::AmountAtMost { cents } => f.amount_cents.is_some_and(|a| a <= *cents),
            Condition::Flag { name } => f.flags.get(name).copied().unwrap_or(false),
            Condition::NotFlag { name } => !f.flags.get(name).copied().unwrap_or(false),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Transition {
    pub to: String,
    #[serde(default = "always")]
    pub when: Condition,
}

fn always() -> Condition {
    Condition::Always
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StepDef {
    pub key: String,
    pub kind: StepKind,
    /// The name people read (German, English).
    pub name: (String, String),
    #[serde(default = "manual")]
    pub level: AutomationLevel,
    #[serde(default)]
    pub review: ReviewPolicy,
    /// The role whose members may take the task (human tasks).
    #[serde(default)]
    pub candidate_role: Option<String>,
    /// Hours until a task is due (then reminded, then escalated).
    #[serde(default)]
    pub due_hours: Option<u32>,
    /// A human task that is an approval: it needs as many distinct
    /// approvers as the process's [`ApprovalRule`] asks for the amount
    /// (one after another), and four eyes apply.
    #[serde(default)]
    pub approval: bool,
    /// A wait step: the event that ends it (e.g. `payment.confirmed`).
    #[serde(default)]
    pub event: Option<String>,
    /// A wait step: hours to wait at most (or just wait, without an event).
    #[serde(default)]
    pub wait_hours: Option<u32>,
    /// Taken in order: the first whose condition holds.
    #[serde(default)]
    pub next: Vec<Transition>,
}

fn manual() -> AutomationLevel {
    AutomationLevel::Manual
}

/// A process's parameters: what admins change without code.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProcessParams {
    /// Approvals needed by amount.
    #[serde(default)]
    pub approval: ApprovalRule,
    /// Approvals up to this amount (cents) are given by kontor under this
    /// rule, for known suppliers with a confident booking proposal;
    /// `None`: every invoice needs a person.
    #[serde(default)]
    pub auto_approve_max_cents: Option<i64>,
    /// Who approves per cost center (username); else the candidate role.
    #[serde(default)]
    pub cost_center_approvers: BTreeMap<String, String>,
    /// A step whose review error rate (per mille) exceeds this is lowered.
    #[serde(default = "error_threshold")]
    pub error_threshold_permille: u64,
    /// Reviews needed before the error rate counts.
    #[serde(default = "min_reviews")]
    pub min_reviews: u64,
    /// The person told about incidents and demotions (username).
    #[serde(default)]
    pub owner: Option<String>,
    /// Hours after the due time until an open task is escalated.
    #[serde(default = "escalate_hours")]
    pub escalate_after_hours: u32,
}

fn error_threshold() -> u64 {
    100
}
fn min_reviews() -> u64 {
    20
}
fn escalate_hours() -> u32 {
    24
}

impl Default for ProcessParams {
    fn default() -> Self {
        Self {
            approval: ApprovalRule::default(),
            auto_approve_max_cents: None,
            cost_center_approvers: BTreeMap::new(),
            error_threshold_permille: error_threshold(),
            min_reviews: min_reviews(),
            owner: None,
            escalate_after_hours: escalate_hours(),
        }
    }
}

/// A process: its steps and where it starts.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProcessDef {
    pub key: String,
    pub version: u32,
    /// The name people read (German, English).
    pub name: (String, String),
    pub start: String,
    #[serde(default)]
    pub params: ProcessParams,
    pub steps: Vec<StepDef>,
}

/// What is wrong with a definition.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DefError {
    #[error("step '{0}' is defined twice")]
    DuplicateStep(String),
    #[error("the start step '{0}' does not exist")]
    NoStart(String),
    #[error("step '{from}' leads to '{to}', which does not exist")]
    UnknownTarget { from: String, to: String },
    #[error("step '{0}' has no way on and is not an end step")]
    DeadEnd(String),
    #[error("an end step ('{0}') must not lead anywhere")]
    EndWithTransitions(String),
    #[error("step '{0}' cannot be reached from the start")]
    Unreachable(String),
    #[error("the process has no end step")]
    NoEnd,
    #[error("step '{0}' is an approval but not a human task")]
    ApprovalNotHuman(String),
    #[error("the definition is not valid JSON: {0}")]
    Json(String),
}

impl ProcessDef {
    /// Reads a definition from JSON and checks it.
    pub fn from_json(json: &str) -> Result<ProcessDef, DefError> {
        let def: ProcessDef = serde_json::from_str(json).map_err(|e| DefError::Json(e.to_string()))?;
        def.check()?;
        Ok(def)
    }

    pub fn step(&self, key: &str) -> Option<&StepDef> {
        self.steps.iter().find(|s| s.key == key)
    }

    /// Checks that every step is unique, reachable, leads somewhere that
    /// exists, and that the process can end.
    pub fn check(&self) -> Result<(), DefError> {
        let mut keys = HashSet::new();
        for s in &self.steps {
            if !keys.insert(s.key.as_str()) {
                return Err(DefError::DuplicateStep(s.key.clone()));
            }
        }
        if !keys.contains(self.start.as_str()) {
            return Err(DefError::NoStart(self.start.clone()));
        }
        if !self.steps.iter().any(|s| s.kind == StepKind::End) {
            return Err(DefError::NoEnd);
        }
        for s in &self.steps {
            if s.approval && s.kind != StepKind::HumanTask {
                return Err(DefError::ApprovalNotHuman(s.key.clone()));
            }
            for t in &s.next {
                if !keys.contains(t.to.as_str()) {
                    return Err(DefError::UnknownTarget {
                        from: s.key.clone(),
                        to: t.to.clone(),
                    });
                }
            }
            match (s.kind, s.next.is_empty()) {
                (StepKind::End, false) => return Err(DefError::EndWithTransitions(s.key.clone())),
                (StepKind::End, true) => {}
                (_, true) => return Err(DefError::DeadEnd(s.key.clone())),
                _ => {}
            }
        }
        let mut seen = HashSet::new();
        let mut stack = vec![self.start.as_str()];
        while let Some(k) = stack.pop() {
            if !seen.insert(k) {
                continue;
            }
            if let Some(s) = self.step(k) {
                stack.extend(s.next.iter().map(|t| t.to.as_str()));
            }
        }
        if let Some(s) = self.steps.iter().find(|s| !seen.contains(s.key.as_str())) {
            return Err(DefError::Unreachable(s.key.clone()));
        }
        Ok(())
    }

    /// The step after `current` given the facts: the first transition whose
    /// condition holds; `None` at an end step or when no condition holds
    /// (the instance then waits for a person: an incident).
    pub fn next(&self, current: &str, facts: &Facts) -> Option<&str> {
        self.step(current)?
            .next
            .iter()
            .find(|t| t.when.holds(facts))
            .map(|t| t.to.as_str())
    }
}

/// The incoming-invoice process as kontor ships it (version 1): validate,
/// match the supplier, check for duplicates, propose the booking, approve
/// (more approvers above the thresholds), post.
pub fn incoming_invoice() -> ProcessDef {
    #[allow(clippy::expect_used)]
    ProcessDef::from_json(include_str!("incoming_invoice.json")).expect("the shipped process is valid")
}

/// The payment-run process (version 1): check, approve (four eyes, more
/// approvers above the threshold or for changed bank accounts), provide
/// the SEPA file, wait for the bank statement, done.
pub fn payment_run() -> ProcessDef {
    #[allow(clippy::expect_used)]
    ProcessDef::from_json(include_str!("payment_run.json")).expect("the shipped process is valid")
}

/// The bank-statement process (version 1): match the lines at the step's
/// automation level, a person assigns what remains.
pub fn bank_statement() -> ProcessDef {
    #[allow(clippy::expect_used)]
    ProcessDef::from_json(include_str!("bank_statement.json")).expect("the shipped process is valid")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn facts(outcome: &str, amount: i64) -> Facts {
        Facts {
            outcome: Some(outcome.into()),
            amount_cents: Some(amount),
            flags: BTreeMap::new(),
        }
    }

    #[test]
    fn the_shipped_invoice_process_is_valid_and_routes_by_outcome_and_amount() {
        let p = incoming_invoice();
        assert_eq!(p.start, "validate");
        assert_eq!(p.next("validate", &facts("invalid", 0)), Some("clarify"));
        assert_eq!(p.next("validate", &facts("valid", 0)), Some("match_supplier"));
        assert_eq!(p.next("approve", &facts("approved", 100_000)), Some("post"));
        assert_eq!(p.next("approve", &facts("rejected", 100)), Some("rejected"));
        assert!(p.step("approve").is_some_and(|s| s.approval));
        assert_eq!(p.params.approval.approvals_needed(1_000_000), 2);
        assert_eq!(p.next("done", &facts("x", 0)), None);
    }

    #[test]
    fn broken_definitions_are_named() {
        let mut p = incoming_invoice();
        p.steps[1].next[0].to = "nowhere".into();
        assert!(matches!(p.check(), Err(DefError::UnknownTarget { .. })));
        let mut p = incoming_invoice();
        p.start = "missing".into();
        assert_eq!(p.check(), Err(DefError::NoStart("missing".into())));
        let mut p = incoming_invoice();
        let dup = p.steps[0].clone();
        p.steps.push(dup);
        assert!(matches!(p.check(), Err(DefError::DuplicateStep(_))));
        let mut p = incoming_invoice();
        p.steps.push(StepDef {
            key: "orphan".into(),
            kind: StepKind::End,
            name: ("Waise".into(), "Orphan".into()),
            level: AutomationLevel::Manual,
            review: ReviewPolicy::default(),
            candidate_role: None,
            due_hours: None,
            approval: false,
            event: None,
            wait_hours: None,
            next: vec![],
        });
        assert_eq!(p.check(), Err(DefError::Unreachable("orphan".into())));
        assert!(matches!(ProcessDef::from_json("{"), Err(DefError::Json(_))));
        let mut p = incoming_invoice();
        p.steps[0].approval = true;
        assert!(matches!(p.check(), Err(DefError::ApprovalNotHuman(_))));
    }
}
