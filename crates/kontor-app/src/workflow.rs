//! The workflow engine: durable process instances that run as jobs.
//!
//! An instance is a row; every step transition is a row in the event log,
//! written in the same transaction as the step's effect. A `workflow.run`
//! job advances an instance through its automatic steps until it reaches a
//! person (a task), a wait or the end, committing once per stretch: a crash
//! leaves the instance at its last committed step, and the job, retried,
//! repeats nothing that was committed. Side effects (posting, numbers) only
//! happen in steps that come after the approvals the definition puts before
//! them. Automatic steps that fail are retried with backoff by the job
//! queue; a step that fails for good, or a business error, becomes an
//! incident a person retries, skips or cancels.
//!
//! What the steps of a process do lives beside it (`invoice_process.rs`);
//! this module knows definitions, levels, reviews, tasks and approvals.

use std::collections::BTreeMap;

use kontor_core::sod::Duty;
use kontor_core::{Action, CompanyId, Module, Permission, Timestamp, UserId};
use kontor_workflow::{
    check_approver, AutomationLevel, Facts, ProcessDef, Refusal, Review, ReviewStats, StepDef, StepKind,
};

use crate::actor::Actor;
use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::ports::Tx;
use crate::records::{
    instance_state, task_state, CommentRecord, InstanceData, InstanceRecord, JobRecord, NotificationRecord,
    ProcessDefRecord, ProcessEventRecord, TaskData, TaskRecord,
};
use crate::sod::person_of;

/// Advances one instance through its automatic steps.
pub const KIND_WORKFLOW_RUN: &str = "workflow.run";
/// Reminders, escalations and the daily notification digest (periodic).
pub const KIND_WORKFLOW_TIMERS: &str = "workflow.timers";
/// How often the timers run (milliseconds).
pub const TIMERS_INTERVAL_MS: i64 = 5 * 60 * 1000;
/// The actor label of kontor's own steps in the audit trail and event log.
pub const AUTOMATION: &str = "system:workflow";
/// A stretch of automatic steps ends after this many (a loop in a
/// definition must not run forever).
const STEPS_PER_RUN_MAX: usize = 50;

fn perm(module: Module, action: Action) -> Permission {
    Permission::new(module, action)
}

pub(crate) fn conflict(de: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::Conflict {
        de: de.into(),
        en: en.into(),
    }
}

/// What an automatic step produced.
#[derive(Clone, Debug, Default)]
pub(crate) struct StepResult {
    pub outcome: Option<String>,
    /// How sure kontor is (percent); 100 for steps that are certain.
    pub confidence: u8,
    pub flags: BTreeMap<String, bool>,
    pub values: BTreeMap<String, String>,
    pub amount_cents: Option<i64>,
    /// The proposal a person reviews if the step goes to one.
    pub proposal: serde_json::Value,
    pub detail: String,
}

/// Why an automatic step did not finish.
#[derive(Clone, Debug)]
pub(crate) enum StepError {
    /// Try again later (a store or file problem).
    Retry(String),
    /// A person must look at it (closed period, missing account, …).
    Incident(String),
}

impl From<AppError> for StepError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Store(s) => StepError::Retry(s.to_string()),
            AppError::Conflict { de, en } => StepError::Incident(format!("{de} / {en}")),
            other => StepError::Incident(other.to_string()),
        }
    }
}

impl From<crate::ports::StoreError> for StepError {
    fn from(e: crate::ports::StoreError) -> Self {
        StepError::Retry(e.to_string())
    }
}

/// A person's answer to a task.
#[derive(Clone, Debug, Default)]
pub struct TaskDecision {
    /// `approved`, `rejected`, `confirmed`, `corrected`, `accepted`, `done`.
    pub outcome: String,
    pub comment: Option<String>,
    /// Corrections of kontor's proposal (field → value), e.g. `account`,
    /// `tax_code`, `cost_center`, `partner_id`.
    pub changes: BTreeMap<String, String>,
}

/// A process as the admin page shows it.
#[derive(Clone, Debug)]
pub struct ProcessView {
    pub def: ProcessDef,
    pub versions: Vec<ProcessDefRecord>,
    /// (step, reviewed, wrong).
    pub stats: Vec<(String, i64, i64)>,
    /// (state, count) of its instances.
    pub counts: Vec<(String, i64)>,
}

/// The processes kontor ships.
pub fn shipped_processes() -> Vec<ProcessDef> {
    vec![
        kontor_workflow::incoming_invoice(),
        kontor_workflow::payment_run(),
        kontor_workflow::bank_statement(),
    ]
}

impl App {
    // ------------------------------------------------------------ definitions

    /// The newest version of a company's process; the shipped version 1 is
    /// stored on first use.
    pub(crate) async fn current_process(
        &self,
        tx: &mut Box<dyn Tx>,
        company: CompanyId,
        key: &str,
    ) -> AppResult<ProcessDef> {
        let stored = tx.process_defs(company, key).await?;
        if let Some(last) = stored.last() {
            return parse_def(&last.definition);
        }
        let def = shipped_processes()
            .into_iter()
            .find(|d| d.key == key)
            .ok_or_else(|| AppError::NotFound {
                what: "process",
                key: key.to_string(),
            })?;
        tx.insert_process_def(&ProcessDefRecord {
            company_id: company,
            process_key: key.to_string(),
            version: def.version,
            definition: serde_json::to_string(&def).map_err(|e| AppError::Internal(e.to_string()))?,
            created_by: AUTOMATION.to_string(),
            created_at: self.now(),
        })
        .await?;
        Ok(def)
    }

    async fn process_version(
        &self,
        tx: &mut Box<dyn Tx>,
        company: CompanyId,
        key: &str,
        version: u32,
    ) -> AppResult<ProcessDef> {
        let stored = tx.process_defs(company, key).await?;
        match stored.iter().find(|d| d.version == version) {
            Some(d) => parse_def(&d.definition),
            None => Err(AppError::NotFound {
                what: "process version",
                key: format!("{key} v{version}"),
            }),
        }
    }

    /// A process with its versions, review statistics and instance counts.
    pub async fn process_view(
        &self,
        actor: &Actor,
        company: &crate::records::CompanyRecord,
        key: &str,
    ) -> AppResult<ProcessView> {
        actor.require(company.id, perm(Module::Tasks, Action::Read))?;
        let mut tx = self.store().begin().await?;
        let def = self.current_process(&mut tx, company.id, key).await?;
        let versions = tx.process_defs(company.id, key).await?;
        let stats = tx.step_stats(company.id, key).await?;
        let counts = tx
            .instance_counts(company.id)
            .await?
            .into_iter()
            .filter(|(k, _, _)| k == key)
            .map(|(_, s, n)| (s, n))
            .collect();
        tx.commit().await?;
        Ok(ProcessView {
            def,
            versions,
            stats,
            counts,
        })
    }

    /// Stores a changed definition (parameters, levels, approvers) as the
    /// next version; running instances finish on theirs.
    pub async fn update_process(
        &self,
        actor: &Actor,
        company: &crate::records::CompanyRecord,
        mut def: ProcessDef,
    ) -> AppResult<u32> {
        actor.require(company.id, perm(Module::Tasks, Action::Manage))?;
        let mut tx = self.store().begin().await?;
        let current = self.current_process(&mut tx, company.id, &def.key).await?;
        if current.steps.iter().map(|s| (&s.key, s.kind)).collect::<Vec<_>>()
            != def.steps.iter().map(|s| (&s.key, s.kind)).collect::<Vec<_>>()
        {
            return Err(conflict(
                "Schritte und ihre Art sind Teil der Software; änderbar sind Parameter, Stufen und Zuständigkeiten.",
                "Steps and their kinds are part of the software; parameters, levels and responsibilities can change.",
            ));
        }
        def.check()
            .map_err(|e| conflict(format!("Ungültige Definition: {e}"), format!("Invalid definition: {e}")))?;
        def.version = current.version + 1;
        let changes = describe_changes(&current, &def);
        self.store_version(&mut tx, company.id, &def, &actor.label).await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "process.update",
            &def.key,
            format!("version {}: {changes}", def.version),
        )
        .await?;
        tx.commit().await?;
        Ok(def.version)
    }

    async fn store_version(
        &self,
        tx: &mut Box<dyn Tx>,
        company: CompanyId,
        def: &ProcessDef,
        by: &str,
    ) -> AppResult<()> {
        tx.insert_process_def(&ProcessDefRecord {
            company_id: company,
            process_key: def.key.clone(),
            version: def.version,
            definition: serde_json::to_string(def).map_err(|e| AppError::Internal(e.to_string()))?,
            created_by: by.to_string(),
            created_at: self.now(),
        })
        .await?;
        Ok(())
    }

    // ---------------------------------------------------------------- start

    /// Starts `key` for `subject` unless it runs already (in the caller's
    /// transaction); the first step runs as a job.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn start_process(
        &self,
        tx: &mut Box<dyn Tx>,
        company: CompanyId,
        key: &str,
        subject: &str,
        data: InstanceData,
        actor: &str,
        enqueue: bool,
    ) -> AppResult<Option<String>> {
        if tx.instance_by_subject(company, key, subject).await?.is_some() {
            return Ok(None);
        }
        let def = self.current_process(tx, company, key).await?;
        let now = self.now();
        let mut data = data;
        data.step_since = now.millis();
        let inst = InstanceRecord {
            id: self.ids().new_uuid().to_string(),
            company_id: company,
            process_key: key.to_string(),
            version: def.version,
            subject: subject.to_string(),
            state: instance_state::RUNNING.into(),
            step: def.start.clone(),
            data,
            started_at: now,
            updated_at: now,
        };
        tx.insert_instance(&inst).await?;
        let ev = self.event(&inst, "instance.start", None, actor, actor.starts_with("system:"), "");
        tx.insert_process_events(&[ev]).await?;
        if enqueue {
            self.enqueue_run(tx, &inst, now).await?;
        }
        Ok(Some(inst.id))
    }

    async fn enqueue_run(&self, tx: &mut Box<dyn Tx>, inst: &InstanceRecord, at: Timestamp) -> AppResult<()> {
        let payload = serde_json::json!({"company": inst.company_id.to_string(), "instance": inst.id}).to_string();
        self.enqueue(tx, KIND_WORKFLOW_RUN, payload, at).await?;
        Ok(())
    }

    pub(crate) fn event(
        &self,
        inst: &InstanceRecord,
        event: &str,
        outcome: Option<&str>,
        actor: &str,
        automated: bool,
        detail: &str,
    ) -> ProcessEventRecord {
        ProcessEventRecord {
            id: self.ids().new_uuid().to_string(),
            company_id: inst.company_id,
            instance_id: inst.id.clone(),
            process_key: inst.process_key.clone(),
            step: inst.step.clone(),
            event: event.to_string(),
            outcome: outcome.map(str::to_string),
            actor: actor.to_string(),
            automated,
            at: self.now(),
            detail: detail.chars().take(2_000).collect(),
        }
    }

    // ------------------------------------------------------------------ run

    /// Runs the `workflow.run` job of one instance.
    pub(crate) async fn run_workflow_job(&self, job: &JobRecord) -> Result<(), String> {
        let v: serde_json::Value = serde_json::from_str(&job.payload).map_err(|e| format!("malformed payload: {e}"))?;
        let (Some(company), Some(instance)) = (v["company"].as_str(), v["instance"].as_str()) else {
            return Err("payload lacks company or instance".into());
        };
        let company: CompanyId = company.parse().map_err(|_| format!("malformed company id {company}"))?;
        let last_attempt = job.attempts >= job.max_attempts;
        self.drive(company, instance, last_attempt, job.attempts).await
    }

    /// Runs an instance's automatic stretch; a business error or the last
    /// failed attempt becomes an incident (after keeping what the steps
    /// before it did); other failures are returned for the queue to retry.
    pub(crate) async fn drive(
        &self,
        company: CompanyId,
        instance: &str,
        last_attempt: bool,
        attempts: i64,
    ) -> Result<(), String> {
        match self.advance(company, instance, None).await {
            Ok(_) => Ok(()),
            Err((StepError::Incident(reason), done)) => {
                // Keep what the steps before the failing one did (they run
                // again, deterministically, and commit), then stop there.
                if done > 0 {
                    self.advance(company, instance, Some(done))
                        .await
                        .map_err(|(e, _)| match e {
                            StepError::Retry(r) | StepError::Incident(r) => r,
                        })?;
                }
                self.raise_incident(company, instance, &reason)
                    .await
                    .map_err(|e| e.to_string())
            }
            Err((StepError::Retry(reason), done)) => {
                if last_attempt {
                    if done > 0 {
                        self.advance(company, instance, Some(done))
                            .await
                            .map_err(|(e, _)| match e {
                                StepError::Retry(r) | StepError::Incident(r) => r,
                            })?;
                    }
                    self.raise_incident(
                        company,
                        instance,
                        &format!("gave up after {attempts} attempts: {reason}"),
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                }
                Err(reason)
            }
        }
    }

    /// Runs the process a document started, right after the pipeline (no
    /// second job); if it cannot run now, a `workflow.run` job retries it.
    pub(crate) async fn drive_started(&self, company: CompanyId, key: &str, subject: &str) -> AppResult<()> {
        let mut tx = self.store().begin_read().await?;
        let Some(inst) = tx.instance_by_subject(company, key, subject).await? else {
            return Ok(());
        };
        drop(tx);
        if inst.state != instance_state::RUNNING {
            return Ok(());
        }
        if let Err(reason) = self.drive(company, &inst.id, false, 1).await {
            tracing::warn!(instance = %inst.id, %reason, "process step failed; queued for retry");
            let mut tx = self.store().begin().await?;
            self.enqueue_run(&mut tx, &inst, self.retry_at_attempt(1)).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Advances an instance through automatic and decision steps until it
    /// needs a person, waits, or ends; commits once at the end of the
    /// stretch.
    ///
    /// With `limit`, stops (still running) before the `limit`-th step; on
    /// failure, returns how many steps had succeeded before it.
    async fn advance(
        &self,
        company: CompanyId,
        instance: &str,
        limit: Option<usize>,
    ) -> Result<usize, (StepError, usize)> {
        let mut done = 0;
        self.advance_inner(company, instance, limit, &mut done)
            .await
            .map_err(|e| (e, done))?;
        Ok(done)
    }

    async fn advance_inner(
        &self,
        company: CompanyId,
        instance: &str,
        limit: Option<usize>,
        done: &mut usize,
    ) -> Result<(), StepError> {
        let mut ctx = crate::invoice_process::StretchCtx {
            prepared: self.prepare_step(company, instance).await,
            ..Default::default()
        };
        let mut tx = self.store().begin().await?;
        self.advance_in(&mut tx, company, instance, limit, done, &mut ctx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The stretch of [`Self::advance`] inside `tx`, which the caller
    /// commits (the pipeline runs a new invoice's first stretch in the
    /// transaction that stores what it recognised).
    pub(crate) async fn advance_in(
        &self,
        tx: &mut Box<dyn Tx>,
        company: CompanyId,
        instance: &str,
        limit: Option<usize>,
        done: &mut usize,
        ctx: &mut crate::invoice_process::StretchCtx,
    ) -> Result<(), StepError> {
        let Some(mut inst) = tx.instance(company, instance).await? else {
            return Ok(());
        };
        // A wait with a time limit ends when its timer job comes.
        let wait_over = inst.state == instance_state::WAITING
            && inst
                .data
                .values
                .get("wait_until")
                .and_then(|w| w.parse::<i64>().ok())
                .is_some_and(|w| w <= self.now().millis());
        if inst.state != instance_state::RUNNING && !wait_over {
            // Already advanced (a repeated job): nothing to do.
            return Ok(());
        }
        let def = self
            .process_version(tx, company, &inst.process_key, inst.version)
            .await?;
        let mut events = Vec::new();
        let mut steps = 0;
        loop {
            if limit.is_some_and(|l| *done >= l) {
                break;
            }
            if steps == STEPS_PER_RUN_MAX {
                // A long stretch goes on in the next job, not in this
                // transaction.
                self.enqueue_run(tx, &inst, self.now()).await?;
                break;
            }
            steps += 1;
            let step = def
                .step(&inst.step)
                .ok_or_else(|| StepError::Incident(format!("step '{}' is not in version {}", inst.step, inst.version)))?
                .clone();
            match step.kind {
                StepKind::End => {
                    let now = self.now();
                    inst.state = instance_state::DONE.into();
                    inst.data.ended_at = Some(now.millis());
                    events.push(self.event(&inst, "instance.end", Some(&step.key), AUTOMATION, true, ""));
                    break;
                }
                StepKind::Decision => {
                    events.push(self.event(&inst, "step.end", None, AUTOMATION, true, "decision"));
                    self.move_on(&def, &mut inst, &mut events)?;
                    *done += 1;
                }
                StepKind::Wait => {
                    if inst.data.values.contains_key("wait_until") {
                        // The timer came (or the event, see `signal_process`).
                        inst.data.values.remove("wait_until");
                        inst.state = instance_state::RUNNING.into();
                        inst.data.outcome = Some("timeout".into());
                        events.push(self.event(&inst, "step.end", Some("timeout"), AUTOMATION, true, ""));
                        self.move_on(&def, &mut inst, &mut events)?;
                        *done += 1;
                        continue;
                    }
                    inst.state = instance_state::WAITING.into();
                    if let Some(h) = step.wait_hours {
                        let at = self.now().plus_millis(i64::from(h) * 3_600_000);
                        inst.data.values.insert("wait_until".into(), at.millis().to_string());
                        self.enqueue_run(tx, &inst, at).await?;
                    }
                    events.push(self.event(&inst, "wait", step.event.as_deref(), AUTOMATION, true, ""));
                    break;
                }
                StepKind::HumanTask => {
                    if step.approval {
                        if let Some(rule) = self.auto_approval(tx, &def, &inst, ctx).await? {
                            events.push(self.event(&inst, "step.start", None, AUTOMATION, true, ""));
                            inst.data.outcome = Some("approved".into());
                            events.push(self.event(&inst, "step.end", Some("approved"), AUTOMATION, true, &rule));
                            self.audit(
                                tx,
                                &Actor::system("workflow"),
                                Some(company),
                                "invoice.auto_approved",
                                &inst.subject,
                                rule,
                            )
                            .await?;
                            self.move_on(&def, &mut inst, &mut events)?;
                            *done += 1;
                            continue;
                        }
                    }
                    events.push(self.event(&inst, "step.start", None, AUTOMATION, true, ""));
                    let proposal = self.task_proposal(tx, &inst, &step).await?;
                    self.open_task(tx, &def, &mut inst, &step, None, proposal, &mut events)
                        .await?;
                    break;
                }
                StepKind::Automatic => {
                    events.push(self.event(&inst, "step.start", None, AUTOMATION, true, ""));
                    let result = self.automatic_step(tx, &mut inst, &step, step.level, ctx).await?;
                    inst.data.amount_cents = result.amount_cents.or(inst.data.amount_cents);
                    let review = step.review.decide(
                        step.level,
                        &inst.id,
                        &step.key,
                        result.confidence,
                        inst.data.amount_cents,
                    );
                    for (k, v) in &result.flags {
                        inst.data.flags.insert(k.clone(), *v);
                    }
                    for (k, v) in &result.values {
                        inst.data.values.insert(k.clone(), v.clone());
                    }
                    inst.data.outcome = result.outcome.clone();
                    if review.needs_person() {
                        events.push(self.event(
                            &inst,
                            "review",
                            None,
                            AUTOMATION,
                            true,
                            &format!("{}; confidence {}", review_key(review), result.confidence),
                        ));
                        self.open_task(tx, &def, &mut inst, &step, Some(review), result.proposal, &mut events)
                            .await?;
                        break;
                    }
                    events.push(self.event(
                        &inst,
                        "step.end",
                        result.outcome.as_deref(),
                        AUTOMATION,
                        true,
                        &result.detail,
                    ));
                    self.move_on(&def, &mut inst, &mut events)?;
                    *done += 1;
                }
            }
        }
        inst.updated_at = self.now();
        tx.update_instance(&inst).await?;
        tx.insert_process_events(&events).await?;
        Ok(())
    }

    /// Takes the transition out of the current step.
    fn move_on(
        &self,
        def: &ProcessDef,
        inst: &mut InstanceRecord,
        events: &mut Vec<ProcessEventRecord>,
    ) -> Result<(), StepError> {
        let facts = Facts {
            outcome: inst.data.outcome.clone(),
            amount_cents: inst.data.amount_cents,
            flags: inst.data.flags.clone(),
        };
        let next = def.next(&inst.step, &facts).ok_or_else(|| {
            StepError::Incident(format!(
                "no transition out of '{}' fits (outcome {:?})",
                inst.step, facts.outcome
            ))
        })?;
        let from = inst.step.clone();
        inst.step = next.to_string();
        inst.data.step_since = self.now().millis();
        events.push(self.event(inst, "transition", None, AUTOMATION, true, &format!("from {from}")));
        Ok(())
    }

    /// Opens the task for a human step, or for a person to review an
    /// automatic step's result; the instance waits for it.
    #[allow(clippy::too_many_arguments)]
    async fn open_task(
        &self,
        tx: &mut Box<dyn Tx>,
        def: &ProcessDef,
        inst: &mut InstanceRecord,
        step: &StepDef,
        review: Option<Review>,
        proposal: serde_json::Value,
        events: &mut Vec<ProcessEventRecord>,
    ) -> Result<(), StepError> {
        let now = self.now();
        let kind = match (step.kind, review) {
            (_, Some(Review::Manual)) => "manual",
            (_, Some(Review::Confirm)) => "confirm",
            (_, Some(_)) => "review",
            _ if step.approval => "approve",
            _ => step.key.as_str(),
        };
        let approvals_needed = if step.approval {
            // One more approver where the subject carries a risk the
            // amount does not show (a recently changed bank account).
            let extra = u8::from(inst.data.flags.get("extra_approval") == Some(&true));
            def.params
                .approval
                .approvals_needed(inst.data.amount_cents.unwrap_or(0))
                .saturating_add(extra)
        } else {
            0
        };
        // The cost center's approver, or a substitute standing in.
        let mut assignee = None;
        let mut delegated_by = None;
        if step.approval {
            if let Some(cc) = inst.data.values.get("cost_center") {
                if let Some(name) = def.params.cost_center_approvers.get(cc) {
                    if let Some(u) = self.user_id_by_name(tx, name).await? {
                        assignee = Some(u.to_string());
                    }
                }
            }
        }
        if let Some(a) = assignee.clone() {
            if let Some(sub) = self.substitute_for(tx, inst.company_id, &a).await? {
                delegated_by = Some(a);
                assignee = Some(sub);
            }
        }
        let (title_de, title_en) = task_title(kind, step, inst);
        let task = TaskRecord {
            id: self.ids().new_uuid().to_string(),
            company_id: inst.company_id,
            instance_id: Some(inst.id.clone()),
            state: task_state::OPEN.into(),
            assignee,
            candidate_role: step.candidate_role.clone().or_else(|| Some("buchhaltung".into())),
            due_at: step.due_hours.map(|h| now.plus_millis(i64::from(h) * 3_600_000)),
            data: TaskData {
                step: step.key.clone(),
                kind: kind.to_string(),
                title_de,
                title_en,
                priority: if inst.data.amount_cents.unwrap_or(0) > 500_000 {
                    1
                } else {
                    2
                },
                document_id: Some(inst.subject.clone()),
                amount_cents: inst.data.amount_cents,
                reason: review.map(|r| review_key(r).to_string()),
                proposal,
                approvals_needed,
                delegated_by,
                deadline: step
                    .due_hours
                    .map(|h| now.plus_millis(i64::from(h) * 3_600_000).millis()),
                ..TaskData::default()
            },
            created_at: now,
            updated_at: now,
        };
        tx.insert_task(&task).await?;
        inst.state = instance_state::WAITING.into();
        events.push(self.event(inst, "task.create", Some(kind), AUTOMATION, true, &task.id));
        self.notify_task(tx, &task, "task.assigned").await?;
        Ok(())
    }

    async fn user_id_by_name(&self, tx: &mut Box<dyn Tx>, name: &str) -> AppResult<Option<UserId>> {
        let Ok(u) = kontor_core::Username::parse(name) else {
            return Ok(None);
        };
        Ok(tx.user_by_name(&u).await?.map(|u| u.id))
    }

    async fn substitute_for(&self, tx: &mut Box<dyn Tx>, company: CompanyId, user: &str) -> AppResult<Option<String>> {
        let now = self.now();
        Ok(tx
            .substitutes(company)
            .await?
            .into_iter()
            .find(|(u, _, from, until)| u == user && *from <= now && now < *until)
            .map(|(_, s, _, _)| s))
    }

    /// Records an incident: the instance stops, a task asks a person to
    /// retry, skip or cancel, and the owner is told.
    async fn raise_incident(&self, company: CompanyId, instance: &str, reason: &str) -> AppResult<()> {
        let mut tx = self.store().begin().await?;
        let Some(mut inst) = tx.instance(company, instance).await? else {
            return Ok(());
        };
        if inst.state != instance_state::RUNNING {
            return Ok(());
        }
        let def = self
            .process_version(&mut tx, company, &inst.process_key, inst.version)
            .await?;
        inst.state = instance_state::INCIDENT.into();
        inst.data.incident = Some(reason.chars().take(2_000).collect());
        inst.updated_at = self.now();
        let step = def.step(&inst.step).cloned();
        let now = self.now();
        let task = TaskRecord {
            id: self.ids().new_uuid().to_string(),
            company_id: company,
            instance_id: Some(inst.id.clone()),
            state: task_state::OPEN.into(),
            assignee: None,
            candidate_role: Some("buchhaltung".into()),
            due_at: Some(now.plus_millis(24 * 3_600_000)),
            data: TaskData {
                step: inst.step.clone(),
                kind: "incident".into(),
                title_de: format!(
                    "Störung im Schritt „{}“: {reason}",
                    step.as_ref().map_or(inst.step.as_str(), |s| s.name.0.as_str())
                ),
                title_en: format!(
                    "Incident in step '{}': {reason}",
                    step.as_ref().map_or(inst.step.as_str(), |s| s.name.1.as_str())
                ),
                priority: 1,
                document_id: Some(inst.subject.clone()),
                amount_cents: inst.data.amount_cents,
                reason: Some(reason.chars().take(500).collect()),
                deadline: Some(now.plus_millis(24 * 3_600_000).millis()),
                ..TaskData::default()
            },
            created_at: now,
            updated_at: now,
        };
        tx.insert_task(&task).await?;
        tx.update_instance(&inst).await?;
        let ev = self.event(&inst, "incident", None, AUTOMATION, true, reason);
        tx.insert_process_events(&[ev]).await?;
        self.audit(
            &mut tx,
            &Actor::system("workflow"),
            Some(company),
            "process.incident",
            &inst.id,
            format!("{} at {}: {reason}", inst.process_key, inst.step),
        )
        .await?;
        self.notify_task(&mut tx, &task, "incident").await?;
        tx.commit().await?;
        Ok(())
    }

    // ---------------------------------------------------------------- tasks

    /// The task inbox: tasks assigned to the actor (or to someone they
    /// stand in for) and unassigned tasks of their roles.
    pub async fn my_tasks(&self, actor: &Actor, company: &crate::records::CompanyRecord) -> AppResult<Vec<TaskRecord>> {
        actor.require(company.id, perm(Module::Tasks, Action::Read))?;
        let mut tx = self.store().begin_read().await?;
        let roles: Vec<String> = actor
            .memberships
            .iter()
            .filter(|m| m.company_id == company.id)
            .map(|m| m.role.key().to_string())
            .collect();
        let me = actor.user_id().map(|u| u.to_string());
        let mut tasks = if actor.user_id().is_none() {
            tx.open_tasks(company.id, None, &[], 500).await?
        } else {
            tx.open_tasks(company.id, me.as_deref(), &roles, 500).await?
        };
        // Tasks of people the actor stands in for today.
        if let Some(me) = &me {
            let now = self.now();
            for (user, sub, from, until) in tx.substitutes(company.id).await? {
                if &sub == me && from <= now && now < until {
                    for t in tx.open_tasks(company.id, Some(&user), &[], 200).await? {
                        if t.assignee.as_deref() == Some(user.as_str()) && !tasks.iter().any(|x| x.id == t.id) {
                            tasks.push(t);
                        }
                    }
                }
            }
        }
        tasks.sort_by_key(|t| {
            (
                t.data.priority,
                t.due_at.map(Timestamp::millis).unwrap_or(i64::MAX),
                t.created_at.millis(),
            )
        });
        Ok(tasks)
    }

    /// One task with its instance's history and comments.
    pub async fn task_details(
        &self,
        actor: &Actor,
        company: &crate::records::CompanyRecord,
        id: &str,
    ) -> AppResult<(TaskRecord, Vec<ProcessEventRecord>, Vec<CommentRecord>)> {
        actor.require(company.id, perm(Module::Tasks, Action::Read))?;
        let mut tx = self.store().begin_read().await?;
        let task = tx.task(company.id, id).await?.ok_or_else(|| AppError::NotFound {
            what: "task",
            key: id.to_string(),
        })?;
        self.may_take(&mut tx, actor, company.id, &task).await?;
        let events = match &task.instance_id {
            Some(i) => tx
                .process_events(company.id, Some(i), 0, 500)
                .await?
                .into_iter()
                .map(|(_, e)| e)
                .collect(),
            None => vec![],
        };
        let comments = tx.comments(company.id, "task", id).await?;
        Ok((task, events, comments))
    }

    /// Whether the actor may work on the task: the assignee, the person
    /// the assignee is away for, or (unassigned) a holder of its role.
    async fn may_take(
        &self,
        tx: &mut Box<dyn Tx>,
        actor: &Actor,
        company: CompanyId,
        task: &TaskRecord,
    ) -> AppResult<()> {
        let Some(me) = actor.user_id().map(|u| u.to_string()) else {
            return Ok(()); // operators
        };
        let ok = match &task.assignee {
            Some(a) if *a == me => true,
            Some(a) => {
                let now = self.now();
                tx.substitutes(company)
                    .await?
                    .into_iter()
                    .any(|(u, s, from, until)| &u == a && s == me && from <= now && now < until)
            }
            None => task.candidate_role.as_deref().is_none_or(|r| {
                actor
                    .memberships
                    .iter()
                    .any(|m| m.company_id == company && m.role.key() == r)
            }),
        };
        if ok {
            Ok(())
        } else {
            Err(conflict(
                "Diese Aufgabe ist jemand anderem zugewiesen oder gehört nicht zu Ihrer Rolle.",
                "This task is assigned to someone else or not part of your role.",
            ))
        }
    }

    /// Completes a task (or, for approvals, adds one approval). Four eyes
    /// and separation of duties are checked here, in the application layer.
    pub async fn complete_task(
        &self,
        actor: &Actor,
        company: &crate::records::CompanyRecord,
        id: &str,
        decision: TaskDecision,
    ) -> AppResult<TaskRecord> {
        actor.require(company.id, perm(Module::Tasks, Action::Write))?;
        let mut tx = self.store().begin_read().await?;
        let task = tx.task(company.id, id).await?.ok_or_else(|| AppError::NotFound {
            what: "task",
            key: id.to_string(),
        })?;
        self.may_take(&mut tx, actor, company.id, &task).await?;
        let inst = match &task.instance_id {
            Some(i) => tx.instance(company.id, i).await?,
            None => None,
        };
        drop(tx);
        if task.state != task_state::OPEN {
            return Err(conflict("Die Aufgabe ist schon erledigt.", "The task is already done."));
        }
        let person = person_of(actor);
        let is_payment_run = inst
            .as_ref()
            .is_some_and(|i| i.process_key == crate::banking::PROCESS_PAYMENT_RUN);
        if task.data.kind == "approve" && decision.outcome == "approved" {
            let module = if is_payment_run {
                Module::Finance
            } else {
                Module::Invoices
            };
            actor.require(company.id, perm(module, Action::Approve))?;
            // People are recorded by id (`user:<uuid>`) and, for uploads, by
            // their label (`user:<name>`): both count.
            let mut involved = inst.as_ref().map(|i| i.data.involved.clone()).unwrap_or_default();
            if involved.contains(&actor.label) {
                involved.push(person.clone());
            }
            let check = check_approver(&person, &involved, &task.data.approved_by, &[]);
            if let Err(refusal) = check {
                self.refuse(actor, company.id, &task, &refusal).await?;
            }
            if let Some(partner) = inst.as_ref().and_then(|i| i.data.values.get("partner_id")) {
                self.check_duty(actor, company.id, ("partner", partner), Duty::InvoiceApprove)
                    .await?;
            }
            if let (true, Some(i)) = (is_payment_run, inst.as_ref()) {
                self.check_payment_release(actor, company.id, i).await?;
            }
        }
        let mut tx = self.store().begin().await?;
        // Re-read inside the write transaction: someone may have been faster.
        let mut task = tx.task(company.id, id).await?.ok_or_else(|| AppError::NotFound {
            what: "task",
            key: id.to_string(),
        })?;
        if task.state != task_state::OPEN {
            return Err(conflict("Die Aufgabe ist schon erledigt.", "The task is already done."));
        }
        let now = self.now();
        if let Some(c) = decision.comment.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            self.add_comment_in(&mut tx, actor, company.id, "task", id, c).await?;
        }
        let mut inst = match &task.instance_id {
            Some(i) => tx.instance(company.id, i).await?,
            None => None,
        };
        let mut events = Vec::new();

        if task.data.kind == "approve" && decision.outcome == "approved" {
            task.data.approved_by.push(person.clone());
            if let Some(partner) = inst.as_ref().and_then(|i| i.data.values.get("partner_id")).cloned() {
                self.record_duty(&mut tx, actor, company.id, ("partner", &partner), Duty::InvoiceApprove)
                    .await?;
            }
            if is_payment_run {
                let partners = inst
                    .as_ref()
                    .and_then(|i| i.data.values.get("partners"))
                    .cloned()
                    .unwrap_or_default();
                for p in partners.split(',').filter(|p| !p.is_empty()) {
                    self.record_duty(&mut tx, actor, company.id, ("partner", p), Duty::PaymentRelease)
                        .await?;
                }
            }
            if let Some(i) = &inst {
                events.push(self.event(i, "approval", Some("approved"), &actor.label, false, ""));
            }
            if task.data.approved_by.len() < usize::from(task.data.approvals_needed.max(1)) {
                // Sequential approvals: the next approver takes the same task.
                task.assignee = None;
                task.updated_at = now;
                task.data.title_de = format!(
                    "{} ({} von {} Freigaben)",
                    strip_progress(&task.data.title_de),
                    task.data.approved_by.len(),
                    task.data.approvals_needed
                );
                task.data.title_en = format!(
                    "{} ({} of {} approvals)",
                    strip_progress(&task.data.title_en),
                    task.data.approved_by.len(),
                    task.data.approvals_needed
                );
                tx.update_task(&task).await?;
                if let Some(i) = &inst {
                    tx.insert_process_events(&events).await?;
                    let _ = i;
                }
                self.audit(
                    &mut tx,
                    actor,
                    Some(company.id),
                    "task.approve",
                    id,
                    format!(
                        "approval {} of {} for {}",
                        task.data.approved_by.len(),
                        task.data.approvals_needed,
                        task.data.document_id.clone().unwrap_or_default()
                    ),
                )
                .await?;
                self.notify_task(&mut tx, &task, "task.assigned").await?;
                tx.commit().await?;
                return Ok(task);
            }
        }

        task.state = task_state::DONE.into();
        task.data.outcome = Some(decision.outcome.clone());
        task.data.done_by = Some(actor.label.clone());
        task.data.done_at = Some(now.millis());
        task.updated_at = now;
        tx.update_task(&task).await?;

        if let Some(i) = inst.as_mut() {
            let def = self
                .process_version(&mut tx, company.id, &i.process_key, i.version)
                .await?;
            i.data.touched_by_person = true;
            match task.data.kind.as_str() {
                "incident" => {
                    self.resolve_incident(&mut tx, actor, i, &decision, &mut events).await?;
                }
                "approve" => {
                    if is_payment_run && decision.outcome == "rejected" {
                        self.payment_run_rejected(&mut tx, company.id, &i.subject).await?;
                    }
                    i.data.outcome = Some(decision.outcome.clone());
                    events.push(self.event(i, "step.end", Some(&decision.outcome), &actor.label, false, ""));
                    i.state = instance_state::RUNNING.into();
                    self.move_on(&def, i, &mut events).map_err(step_to_app)?;
                }
                "review" | "confirm" | "manual" => {
                    // A person checked (or did) kontor's step.
                    let right = decision.changes.is_empty() && decision.outcome != "corrected";
                    if task.data.kind != "manual" {
                        let (reviewed, wrong) = tx
                            .record_review(company.id, &i.process_key, &task.data.step, right)
                            .await?;
                        events.push(self.event(
                            i,
                            "review.done",
                            Some(if right { "right" } else { "wrong" }),
                            &actor.label,
                            false,
                            "",
                        ));
                        self.maybe_demote(
                            &mut tx,
                            company.id,
                            &i.process_key,
                            &task.data.step,
                            reviewed,
                            wrong,
                            &mut events,
                            i,
                        )
                        .await?;
                    }
                    self.apply_correction(&mut tx, actor, i, &task, &decision).await?;
                    push_unique(&mut i.data.involved, person.clone());
                    push_unique(&mut i.data.involved, actor.label.clone());
                    events.push(self.event(
                        i,
                        "step.end",
                        i.data.outcome.clone().as_deref(),
                        &actor.label,
                        false,
                        "",
                    ));
                    i.state = instance_state::RUNNING.into();
                    self.move_on(&def, i, &mut events).map_err(step_to_app)?;
                }
                _ => {
                    // Human steps of the definition (clarify, …).
                    i.data.outcome = Some(decision.outcome.clone());
                    push_unique(&mut i.data.involved, person.clone());
                    push_unique(&mut i.data.involved, actor.label.clone());
                    events.push(self.event(i, "step.end", Some(&decision.outcome), &actor.label, false, ""));
                    i.state = instance_state::RUNNING.into();
                    self.move_on(&def, i, &mut events).map_err(step_to_app)?;
                }
            }
            i.updated_at = now;
            tx.update_instance(i).await?;
            tx.insert_process_events(&events).await?;
            if i.state == instance_state::RUNNING {
                self.enqueue_run(&mut tx, i, now).await?;
            }
        }
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            &format!(
                "task.{}",
                if task.data.kind == "approve" {
                    "approve"
                } else {
                    "complete"
                }
            ),
            id,
            format!(
                "{}: {} ({})",
                task.data.kind,
                decision.outcome,
                task.data.document_id.clone().unwrap_or_default()
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(task)
    }

    async fn refuse(&self, actor: &Actor, company: CompanyId, task: &TaskRecord, refusal: &Refusal) -> AppResult<()> {
        let mut tx = self.store().begin().await?;
        self.audit(
            &mut tx,
            actor,
            Some(company),
            "task.refused",
            &task.id,
            format!("four eyes: {refusal}"),
        )
        .await?;
        tx.commit().await?;
        Err(match refusal {
            Refusal::OwnWork => conflict(
                "Vier-Augen-Prinzip: Wer die Rechnung eingereicht oder vorbereitet hat, gibt sie nicht frei.",
                "Four eyes: whoever submitted or prepared the invoice does not approve it.",
            ),
            Refusal::AlreadyApproved => conflict(
                "Sie haben bereits freigegeben; die nächste Freigabe muss von einer anderen Person kommen.",
                "You approved already; the next approval must come from someone else.",
            ),
            Refusal::SeparationOfDuties(s) => {
                conflict(format!("Funktionstrennung: {s}"), format!("Separation of duties: {s}"))
            }
        })
    }

    async fn resolve_incident(
        &self,
        tx: &mut Box<dyn Tx>,
        actor: &Actor,
        inst: &mut InstanceRecord,
        decision: &TaskDecision,
        events: &mut Vec<ProcessEventRecord>,
    ) -> AppResult<()> {
        let reason = decision.comment.clone().unwrap_or_default();
        match decision.outcome.as_str() {
            "retry" => {
                inst.state = instance_state::RUNNING.into();
                inst.data.incident = None;
                events.push(self.event(inst, "retry", None, &actor.label, false, &reason));
            }
            "skip" => {
                if reason.trim().is_empty() {
                    return Err(conflict(
                        "Zum Überspringen ist eine Begründung nötig.",
                        "Skipping needs a reason.",
                    ));
                }
                let def = self
                    .process_version(tx, inst.company_id, &inst.process_key, inst.version)
                    .await?;
                inst.data.incident = None;
                events.push(self.event(inst, "skip", None, &actor.label, false, &reason));
                self.move_on(&def, inst, events).map_err(step_to_app)?;
                inst.state = instance_state::RUNNING.into();
            }
            "cancel" => {
                inst.state = instance_state::CANCELLED.into();
                inst.data.ended_at = Some(self.now().millis());
                events.push(self.event(inst, "cancel", None, &actor.label, false, &reason));
            }
            other => {
                return Err(conflict(
                    format!("Unbekannte Entscheidung „{other}“: wiederholen, überspringen oder abbrechen."),
                    format!("Unknown decision '{other}': retry, skip or cancel."),
                ))
            }
        }
        self.audit(
            tx,
            actor,
            Some(inst.company_id),
            &format!("process.{}", decision.outcome),
            &inst.id,
            format!("{} at {}: {reason}", inst.process_key, inst.step),
        )
        .await?;
        Ok(())
    }

    /// Lowers a step's automation level when its review error rate is
    /// above the process's threshold; the owner is told.
    #[allow(clippy::too_many_arguments)]
    async fn maybe_demote(
        &self,
        tx: &mut Box<dyn Tx>,
        company: CompanyId,
        key: &str,
        step: &str,
        reviewed: i64,
        wrong: i64,
        events: &mut Vec<ProcessEventRecord>,
        inst: &InstanceRecord,
    ) -> AppResult<()> {
        let mut def = self.current_process(tx, company, key).await?;
        let stats = ReviewStats {
            reviewed: u64::try_from(reviewed).unwrap_or(0),
            wrong: u64::try_from(wrong).unwrap_or(0),
        };
        let Some(s) = def.steps.iter_mut().find(|s| s.key == step) else {
            return Ok(());
        };
        let Some(lower) = stats.demotion(s.level, def.params.error_threshold_permille, def.params.min_reviews) else {
            return Ok(());
        };
        let before = s.level;
        s.level = lower;
        let name = s.name.clone();
        def.version += 1;
        self.store_version(tx, company, &def, AUTOMATION).await?;
        let rate = stats.error_permille().unwrap_or(0);
        let detail = format!(
            "{step}: {} -> {} (error rate {}.{} % over {reviewed} reviews, threshold {}.{} %); version {}",
            before.key(),
            lower.key(),
            rate / 10,
            rate % 10,
            def.params.error_threshold_permille / 10,
            def.params.error_threshold_permille % 10,
            def.version
        );
        events.push(self.event(inst, "demote", Some(lower.key()), AUTOMATION, true, &detail));
        self.audit(
            tx,
            &Actor::system("workflow"),
            Some(company),
            "process.demote",
            key,
            detail.clone(),
        )
        .await?;
        let owners = self.owners(tx, company, &def).await?;
        for u in owners {
            self.notify(
                tx,
                company,
                u,
                "demoted",
                format!(
                    "Schritt „{}“ arbeitet jetzt auf Stufe {} (Fehlerquote {}.{} %).",
                    name.0,
                    lower.key(),
                    rate / 10,
                    rate % 10
                ),
                format!(
                    "Step '{}' now runs at level {} (error rate {}.{} %).",
                    name.1,
                    lower.key(),
                    rate / 10,
                    rate % 10
                ),
                format!("/processes/{key}"),
            )
            .await?;
        }
        Ok(())
    }

    /// The process owner, else the company's admins.
    async fn owners(&self, tx: &mut Box<dyn Tx>, company: CompanyId, def: &ProcessDef) -> AppResult<Vec<UserId>> {
        if let Some(o) = &def.params.owner {
            if let Some(u) = self.user_id_by_name(tx, o).await? {
                return Ok(vec![u]);
            }
        }
        self.role_members(tx, company, "admin").await
    }

    /// Users holding `role` in the company.
    pub(crate) async fn role_members(
        &self,
        tx: &mut Box<dyn Tx>,
        company: CompanyId,
        role: &str,
    ) -> AppResult<Vec<UserId>> {
        let mut out = Vec::new();
        for u in tx.list_users().await? {
            if u.disabled {
                continue;
            }
            if tx
                .memberships_of(u.id)
                .await?
                .iter()
                .any(|(c, r)| c.id == company && r == role)
            {
                out.push(u.id);
            }
        }
        Ok(out)
    }

    /// Ends a wait step waiting for `event` (e.g. the bank statement that
    /// confirms a payment); the instance runs on with the event as outcome.
    pub async fn signal_process(
        &self,
        tx: &mut Box<dyn Tx>,
        company: CompanyId,
        key: &str,
        subject: &str,
        event: &str,
    ) -> AppResult<bool> {
        let Some(mut inst) = tx.instance_by_subject(company, key, subject).await? else {
            return Ok(false);
        };
        if inst.state != instance_state::WAITING {
            return Ok(false);
        }
        let def = self.process_version(tx, company, key, inst.version).await?;
        let Some(step) = def.step(&inst.step) else {
            return Ok(false);
        };
        if step.kind != StepKind::Wait || step.event.as_deref() != Some(event) {
            return Ok(false);
        }
        let mut events = Vec::new();
        inst.data.values.remove("wait_until");
        inst.data.outcome = Some(event.to_string());
        events.push(self.event(&inst, "step.end", Some(event), AUTOMATION, true, "event"));
        self.move_on(&def, &mut inst, &mut events).map_err(step_to_app)?;
        inst.state = instance_state::RUNNING.into();
        inst.updated_at = self.now();
        tx.update_instance(&inst).await?;
        tx.insert_process_events(&events).await?;
        self.enqueue_run(tx, &inst, self.now()).await?;
        Ok(true)
    }

    /// Ends the human step an instance waits at with `outcome` (its task
    /// was closed by kontor, e.g. when nothing is left to do) and moves on.
    pub(crate) async fn finish_waiting_step(
        &self,
        tx: &mut Box<dyn Tx>,
        company: CompanyId,
        instance: &str,
        outcome: &str,
    ) -> AppResult<()> {
        let Some(mut inst) = tx.instance(company, instance).await? else {
            return Ok(());
        };
        if inst.state != instance_state::WAITING {
            return Ok(());
        }
        let def = self
            .process_version(tx, company, &inst.process_key, inst.version)
            .await?;
        if def.step(&inst.step).is_none_or(|s| s.kind != StepKind::HumanTask) {
            return Ok(());
        }
        let mut events = Vec::new();
        inst.data.outcome = Some(outcome.to_string());
        events.push(self.event(&inst, "step.end", Some(outcome), AUTOMATION, true, "nothing left to do"));
        self.move_on(&def, &mut inst, &mut events).map_err(step_to_app)?;
        inst.state = instance_state::RUNNING.into();
        inst.updated_at = self.now();
        tx.update_instance(&inst).await?;
        tx.insert_process_events(&events).await?;
        self.enqueue_run(tx, &inst, self.now()).await?;
        Ok(())
    }

    // --------------------------------------------------------- instance ops

    /// Cancels a running or waiting instance (with a reason); its open
    /// tasks end too.
    pub async fn cancel_instance(
        &self,
        actor: &Actor,
        company: &crate::records::CompanyRecord,
        id: &str,
        reason: &str,
    ) -> AppResult<()> {
        actor.require(company.id, perm(Module::Tasks, Action::Manage))?;
        if reason.trim().is_empty() {
            return Err(conflict(
                "Zum Abbrechen ist eine Begründung nötig.",
                "Cancelling needs a reason.",
            ));
        }
        let mut tx = self.store().begin().await?;
        let mut inst = tx.instance(company.id, id).await?.ok_or_else(|| AppError::NotFound {
            what: "process instance",
            key: id.to_string(),
        })?;
        if matches!(inst.state.as_str(), instance_state::DONE | instance_state::CANCELLED) {
            return Err(conflict(
                "Der Vorgang ist bereits beendet.",
                "The process has already ended.",
            ));
        }
        for mut t in tx.instance_tasks(company.id, id).await? {
            if t.state == task_state::OPEN {
                t.state = task_state::CANCELLED.into();
                t.updated_at = self.now();
                tx.update_task(&t).await?;
            }
        }
        inst.state = instance_state::CANCELLED.into();
        inst.data.ended_at = Some(self.now().millis());
        inst.updated_at = self.now();
        tx.update_instance(&inst).await?;
        let ev = self.event(&inst, "cancel", None, &actor.label, false, reason);
        tx.insert_process_events(&[ev]).await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "process.cancel",
            id,
            reason.to_string(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Instances of a company, newest first.
    pub async fn process_instances(
        &self,
        actor: &Actor,
        company: &crate::records::CompanyRecord,
        state: Option<&str>,
        limit: u32,
    ) -> AppResult<Vec<InstanceRecord>> {
        actor.require(company.id, perm(Module::Tasks, Action::Read))?;
        let mut tx = self.store().begin_read().await?;
        Ok(tx.list_instances(company.id, state, limit.clamp(1, 100_000)).await?)
    }

    /// Sets who stands in for the actor between two times (out of office).
    pub async fn set_substitute(
        &self,
        actor: &Actor,
        company: &crate::records::CompanyRecord,
        substitute: Option<(&str, Timestamp, Timestamp)>,
    ) -> AppResult<()> {
        actor.require(company.id, perm(Module::Tasks, Action::Write))?;
        let me = actor
            .user_id()
            .ok_or_else(|| conflict("Nur Personen haben Vertretungen.", "Only people have substitutes."))?;
        let mut tx = self.store().begin().await?;
        let sub = match substitute {
            None => None,
            Some((name, from, until)) => {
                if until <= from {
                    return Err(conflict(
                        "Das Ende liegt vor dem Beginn.",
                        "The end lies before the start.",
                    ));
                }
                let id = self
                    .user_id_by_name(&mut tx, name)
                    .await?
                    .ok_or_else(|| AppError::NotFound {
                        what: "user",
                        key: name.to_string(),
                    })?;
                if id == me {
                    return Err(conflict(
                        "Niemand vertritt sich selbst.",
                        "Nobody substitutes for themselves.",
                    ));
                }
                Some((id.to_string(), from, until))
            }
        };
        tx.set_substitute(
            company.id,
            &me.to_string(),
            sub.as_ref().map(|(s, f, u)| (s.as_str(), *f, *u)),
        )
        .await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "task.substitute",
            &me.to_string(),
            sub.map_or("none".to_string(), |(s, f, u)| {
                format!("{s} from {} until {}", f.millis(), u.millis())
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Hands a task to another person (delegation).
    pub async fn delegate_task(
        &self,
        actor: &Actor,
        company: &crate::records::CompanyRecord,
        id: &str,
        to: &str,
    ) -> AppResult<()> {
        actor.require(company.id, perm(Module::Tasks, Action::Write))?;
        let mut tx = self.store().begin().await?;
        let mut task = tx.task(company.id, id).await?.ok_or_else(|| AppError::NotFound {
            what: "task",
            key: id.to_string(),
        })?;
        self.may_take(&mut tx, actor, company.id, &task).await?;
        if task.state != task_state::OPEN {
            return Err(conflict("Die Aufgabe ist schon erledigt.", "The task is already done."));
        }
        let target = self
            .user_id_by_name(&mut tx, to)
            .await?
            .ok_or_else(|| AppError::NotFound {
                what: "user",
                key: to.to_string(),
            })?;
        task.assignee = Some(target.to_string());
        task.data.delegated_by = Some(actor.label.clone());
        task.updated_at = self.now();
        tx.update_task(&task).await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "task.delegate",
            id,
            format!("to {to}"),
        )
        .await?;
        self.notify_task(&mut tx, &task, "task.assigned").await?;
        tx.commit().await?;
        Ok(())
    }

    /// A task a person gives to a colleague or a role, outside any process.
    pub async fn create_task(
        &self,
        actor: &Actor,
        company: &crate::records::CompanyRecord,
        title: &str,
        assignee: Option<&str>,
        role: Option<&str>,
        due: Option<Timestamp>,
    ) -> AppResult<TaskRecord> {
        actor.require(company.id, perm(Module::Tasks, Action::Write))?;
        let title = title.trim();
        if title.is_empty() || title.chars().count() > 300 {
            return Err(conflict(
                "Eine Aufgabe braucht einen Titel (bis 300 Zeichen).",
                "A task needs a title (up to 300 characters).",
            ));
        }
        if let Some(r) = role {
            if kontor_core::Role::parse(r).is_none() {
                return Err(conflict(
                    format!("Unbekannte Rolle „{r}“."),
                    format!("Unknown role '{r}'."),
                ));
            }
        }
        let mut tx = self.store().begin().await?;
        let assignee = match assignee {
            Some(name) => Some(
                self.user_id_by_name(&mut tx, name)
                    .await?
                    .ok_or_else(|| AppError::NotFound {
                        what: "user",
                        key: name.to_string(),
                    })?
                    .to_string(),
            ),
            None => None,
        };
        if assignee.is_none() && role.is_none() {
            return Err(conflict(
                "Bitte eine Person oder eine Rolle angeben.",
                "Please name a person or a role.",
            ));
        }
        let now = self.now();
        let task = TaskRecord {
            id: self.ids().new_uuid().to_string(),
            company_id: company.id,
            instance_id: None,
            state: task_state::OPEN.into(),
            assignee,
            candidate_role: role.map(str::to_string),
            due_at: due,
            data: TaskData {
                step: "manual".into(),
                kind: "todo".into(),
                title_de: title.to_string(),
                title_en: title.to_string(),
                deadline: due.map(Timestamp::millis),
                delegated_by: Some(actor.label.clone()),
                ..TaskData::default()
            },
            created_at: now,
            updated_at: now,
        };
        tx.insert_task(&task).await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "task.create",
            &task.id,
            title.to_string(),
        )
        .await?;
        self.notify_task(&mut tx, &task, "task.assigned").await?;
        tx.commit().await?;
        Ok(task)
    }

    // ------------------------------------------------------------ comments

    /// Comments on a task, invoice or document; @name mentions notify.
    pub async fn add_comment(
        &self,
        actor: &Actor,
        company: &crate::records::CompanyRecord,
        object_type: &str,
        object_id: &str,
        body: &str,
    ) -> AppResult<CommentRecord> {
        actor.require(company.id, perm(Module::Tasks, Action::Write))?;
        if !matches!(object_type, "task" | "document" | "invoice") {
            return Err(conflict(
                "Kommentare gibt es zu Aufgaben, Rechnungen und Belegen.",
                "Comments belong to tasks, invoices and documents.",
            ));
        }
        let body = body.trim();
        if body.is_empty() || body.chars().count() > 5_000 {
            return Err(conflict(
                "Ein Kommentar hat 1 bis 5.000 Zeichen.",
                "A comment has 1 to 5,000 characters.",
            ));
        }
        // Only what the person may see can be commented on.
        match object_type {
            "document" => {
                self.visible_document(actor, company, object_id).await?;
            }
            "invoice" => {
                self.incoming_invoice(actor, company, object_id)
                    .await?
                    .ok_or_else(|| AppError::NotFound {
                        what: "invoice",
                        key: object_id.to_string(),
                    })?;
            }
            _ => {
                let mut tx = self.store().begin_read().await?;
                let task = tx
                    .task(company.id, object_id)
                    .await?
                    .ok_or_else(|| AppError::NotFound {
                        what: "task",
                        key: object_id.to_string(),
                    })?;
                self.may_take(&mut tx, actor, company.id, &task).await?;
            }
        }
        let mut tx = self.store().begin().await?;
        let c = self
            .add_comment_in(&mut tx, actor, company.id, object_type, object_id, body)
            .await?;
        tx.commit().await?;
        Ok(c)
    }

    async fn add_comment_in(
        &self,
        tx: &mut Box<dyn Tx>,
        actor: &Actor,
        company: CompanyId,
        object_type: &str,
        object_id: &str,
        body: &str,
    ) -> AppResult<CommentRecord> {
        let c = CommentRecord {
            id: self.ids().new_uuid().to_string(),
            company_id: company,
            object_type: object_type.to_string(),
            object_id: object_id.to_string(),
            author: actor.label.clone(),
            body: body.to_string(),
            at: self.now(),
        };
        tx.insert_comment(&c).await?;
        for name in mentions(body) {
            if let Some(u) = self.user_id_by_name(tx, &name).await? {
                if tx.memberships_of(u).await?.iter().any(|(c, _)| c.id == company) {
                    self.notify(
                        tx,
                        company,
                        u,
                        "mention",
                        format!("{} hat Sie erwähnt: {}", actor.label, excerpt(body)),
                        format!("{} mentioned you: {}", actor.label, excerpt(body)),
                        format!("/{}s/{object_id}", object_type),
                    )
                    .await?;
                }
            }
        }
        self.audit(
            tx,
            actor,
            Some(company),
            "comment.add",
            object_id,
            format!("on {object_type}"),
        )
        .await?;
        Ok(c)
    }

    pub async fn comments(
        &self,
        actor: &Actor,
        company: &crate::records::CompanyRecord,
        object_type: &str,
        object_id: &str,
    ) -> AppResult<Vec<CommentRecord>> {
        actor.require(company.id, perm(Module::Tasks, Action::Read))?;
        let mut tx = self.store().begin_read().await?;
        Ok(tx.comments(company.id, object_type, object_id).await?)
    }

    // ------------------------------------------------------- notifications

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn notify(
        &self,
        tx: &mut Box<dyn Tx>,
        company: CompanyId,
        user: UserId,
        kind: &str,
        de: String,
        en: String,
        link: String,
    ) -> AppResult<()> {
        tx.insert_notification(&NotificationRecord {
            id: self.ids().new_uuid().to_string(),
            company_id: company,
            user_id: user,
            kind: kind.to_string(),
            text_de: de,
            text_en: en,
            link,
            created_at: self.now(),
            read_at: None,
            mailed_at: None,
        })
        .await?;
        Ok(())
    }

    /// Tells the assignee, or everyone of the candidate role, about a task.
    async fn notify_task(&self, tx: &mut Box<dyn Tx>, task: &TaskRecord, kind: &str) -> AppResult<()> {
        let users: Vec<UserId> = match (&task.assignee, &task.candidate_role) {
            (Some(a), _) => a.parse().ok().into_iter().collect(),
            (None, Some(r)) => self.role_members(tx, task.company_id, r).await?,
            _ => vec![],
        };
        for u in users {
            self.notify(
                tx,
                task.company_id,
                u,
                kind,
                format!("Aufgabe: {}", task.data.title_de),
                format!("Task: {}", task.data.title_en),
                format!("/tasks/{}", task.id),
            )
            .await?;
        }
        Ok(())
    }

    pub async fn my_notifications(&self, actor: &Actor, limit: u32) -> AppResult<Vec<NotificationRecord>> {
        let Some(me) = actor.user_id() else {
            return Ok(vec![]);
        };
        let mut tx = self.store().begin_read().await?;
        Ok(tx.notifications(me, limit.clamp(1, 200)).await?)
    }

    pub async fn mark_notifications_read(&self, actor: &Actor) -> AppResult<u64> {
        let Some(me) = actor.user_id() else {
            return Ok(0);
        };
        let mut tx = self.store().begin().await?;
        let n = tx.mark_notifications_read(me, self.now()).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Mails kontor sent or would send (admins; the outbox when no SMTP
    /// server is configured).
    pub async fn outbox(&self, actor: &Actor, limit: u32) -> AppResult<Vec<crate::records::OutboxRecord>> {
        actor.require_system_admin()?;
        let mut tx = self.store().begin_read().await?;
        Ok(tx.outbox(limit.clamp(1, 500)).await?)
    }

    // ---------------------------------------------------------------- timers

    /// Reminders at the due time, escalation after the process's grace
    /// period, and the daily digest of unread notifications. Runs as the
    /// periodic `workflow.timers` job; tests call it with their clock.
    pub async fn run_workflow_timers(&self) -> AppResult<(usize, usize, usize)> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let overdue = tx.overdue_tasks(now, 500).await?;
        let (mut reminded, mut escalated) = (0, 0);
        for mut t in overdue {
            let inst = match &t.instance_id {
                Some(i) => tx.instance(t.company_id, i).await?,
                None => None,
            };
            let grace_h = match &inst {
                Some(i) => {
                    self.process_version(&mut tx, t.company_id, &i.process_key, i.version)
                        .await?
                        .params
                        .escalate_after_hours
                }
                None => 24,
            };
            if t.data.reminded_at.is_none() {
                t.data.reminded_at = Some(now.millis());
                t.due_at = Some(now.plus_millis(i64::from(grace_h) * 3_600_000));
                t.updated_at = now;
                tx.update_task(&t).await?;
                self.notify_task(&mut tx, &t, "task.reminder").await?;
                if let Some(i) = &inst {
                    let mut i = i.clone();
                    i.step = t.data.step.clone();
                    let ev = self.event(&i, "remind", None, AUTOMATION, true, &t.id);
                    tx.insert_process_events(&[ev]).await?;
                }
                reminded += 1;
            } else if t.data.escalated_at.is_none() {
                t.data.escalated_at = Some(now.millis());
                t.data.priority = 1;
                t.due_at = None;
                t.updated_at = now;
                // Escalation: the company's admins (or the owner) take over
                // watching it; the task stays with its role.
                tx.update_task(&t).await?;
                let def = match &inst {
                    Some(i) => Some(
                        self.process_version(&mut tx, t.company_id, &i.process_key, i.version)
                            .await?,
                    ),
                    None => None,
                };
                let users = match &def {
                    Some(d) => self.owners(&mut tx, t.company_id, d).await?,
                    None => self.role_members(&mut tx, t.company_id, "admin").await?,
                };
                for u in users {
                    self.notify(
                        &mut tx,
                        t.company_id,
                        u,
                        "task.escalated",
                        format!("Überfällig und eskaliert: {}", t.data.title_de),
                        format!("Overdue and escalated: {}", t.data.title_en),
                        format!("/tasks/{}", t.id),
                    )
                    .await?;
                }
                if let Some(i) = &inst {
                    let mut i = i.clone();
                    i.step = t.data.step.clone();
                    let ev = self.event(&i, "escalate", None, AUTOMATION, true, &t.id);
                    tx.insert_process_events(&[ev]).await?;
                }
                self.audit(
                    &mut tx,
                    &Actor::system("workflow"),
                    Some(t.company_id),
                    "task.escalate",
                    &t.id,
                    t.data.title_en.clone(),
                )
                .await?;
                escalated += 1;
            }
        }
        tx.commit().await?;
        let mailed = self.send_digests().await?;
        Ok((reminded, escalated, mailed))
    }

    /// One mail per person a day with what happened since the last one
    /// (instead of a mail per event). Through SMTP when configured, else
    /// into the outbox admins see.
    async fn send_digests(&self) -> AppResult<usize> {
        let now = self.now();
        let day = 24 * 3_600_000;
        let mut tx = self.store().begin().await?;
        let pending = tx.unmailed_notifications(now).await?;
        let mut by_user: BTreeMap<String, Vec<NotificationRecord>> = BTreeMap::new();
        for n in pending {
            by_user.entry(n.user_id.to_string()).or_default().push(n);
        }
        let mut sent = 0;
        for (_, ns) in by_user {
            // Digest once a day: wait until the oldest is a day old.
            let Some(oldest) = ns.iter().map(|n| n.created_at.millis()).min() else {
                continue;
            };
            if now.millis() - oldest < day {
                continue;
            }
            let Some(user) = tx.user_by_id(ns[0].user_id).await? else {
                continue;
            };
            let de = user.lang == kontor_core::Lang::De;
            let mut text = String::new();
            text.push_str(if de {
                "Guten Tag,\n\nseit der letzten Zusammenfassung ist in kontor Folgendes passiert:\n\n"
            } else {
                "Hello,\n\nthis happened in kontor since the last summary:\n\n"
            });
            for n in &ns {
                text.push_str("- ");
                text.push_str(if de { &n.text_de } else { &n.text_en });
                text.push('\n');
            }
            let subject = if de {
                format!("kontor: {} Neuigkeiten", ns.len())
            } else {
                format!("kontor: {} updates", ns.len())
            };
            let ids: Vec<String> = ns.iter().map(|n| n.id.clone()).collect();
            let recipient = user.username.to_string();
            let mut sent_at = None;
            if let Some((mailer, url)) = self.mailer() {
                let mail = crate::ports::Mail {
                    to: recipient.clone(),
                    subject: subject.clone(),
                    text: format!("{text}\n{url}/tasks\n"),
                };
                if mailer.send(&mail).await.is_ok() {
                    sent_at = Some(now);
                }
            }
            tx.insert_outbox(&crate::records::OutboxRecord {
                id: self.ids().new_uuid().to_string(),
                recipient,
                subject,
                body: text,
                created_at: now,
                sent_at,
            })
            .await?;
            tx.mark_notifications_mailed(&ids, now).await?;
            sent += 1;
        }
        tx.commit().await?;
        Ok(sent)
    }

    /// Keeps the periodic timers job queued.
    pub(crate) async fn schedule_workflow_timers(&self, tx: &mut Box<dyn Tx>) -> AppResult<()> {
        if !tx.pending_job_of_kind(KIND_WORKFLOW_TIMERS).await? {
            self.enqueue(
                tx,
                KIND_WORKFLOW_TIMERS,
                "{}".into(),
                self.now().plus_millis(TIMERS_INTERVAL_MS),
            )
            .await?;
        }
        Ok(())
    }

    pub(crate) async fn run_timers_job(&self) -> Result<(), String> {
        self.run_workflow_timers().await.map_err(|e| e.to_string())?;
        let r: AppResult<()> = async {
            let mut tx = self.store().begin().await?;
            self.enqueue(
                &mut tx,
                KIND_WORKFLOW_TIMERS,
                "{}".into(),
                self.now().plus_millis(TIMERS_INTERVAL_MS),
            )
            .await?;
            tx.commit().await?;
            Ok(())
        }
        .await;
        r.map_err(|e| e.to_string())
    }

    // ------------------------------------------------------------- analysis

    /// The event log of a company's processes as OCEL 2.0 JSON: object
    /// types process instance, document and task; one event per step start,
    /// end, decision, review and intervention, with actor and automation.
    pub async fn export_ocel(
        &self,
        actor: &Actor,
        company: &crate::records::CompanyRecord,
        key: Option<&str>,
    ) -> AppResult<serde_json::Value> {
        // The log names who did what when: for those who run the processes.
        actor.require(company.id, perm(Module::Tasks, Action::Manage))?;
        let mut tx = self.store().begin_read().await?;
        let mut events = Vec::new();
        let mut after = 0;
        loop {
            let batch = tx.process_events(company.id, None, after, 5_000).await?;
            let Some((last, _)) = batch.last() else {
                break;
            };
            after = *last;
            events.extend(
                batch
                    .into_iter()
                    .map(|(_, e)| e)
                    .filter(|e| key.is_none_or(|k| e.process_key == k)),
            );
        }
        let instances: Vec<InstanceRecord> = tx
            .list_instances(company.id, None, 1_000_000)
            .await?
            .into_iter()
            .filter(|i| key.is_none_or(|k| i.process_key == k))
            .collect();
        Ok(crate::ocel::ocel_json(&instances, &events))
    }

    /// Touchless rate, cycle times and waiting per step of a process.
    pub async fn process_figures(
        &self,
        actor: &Actor,
        company: &crate::records::CompanyRecord,
        key: &str,
    ) -> AppResult<crate::ocel::Figures> {
        actor.require(company.id, perm(Module::Tasks, Action::Read))?;
        let mut tx = self.store().begin_read().await?;
        let mut events = Vec::new();
        let mut after = 0;
        loop {
            let batch = tx.process_events(company.id, None, after, 5_000).await?;
            let Some((last, _)) = batch.last() else {
                break;
            };
            after = *last;
            events.extend(batch.into_iter().map(|(_, e)| e).filter(|e| e.process_key == key));
        }
        let instances: Vec<InstanceRecord> = tx
            .list_instances(company.id, None, 1_000_000)
            .await?
            .into_iter()
            .filter(|i| i.process_key == key)
            .collect();
        let mut f = crate::ocel::figures(&instances, &events);
        // Waiting times per person are performance data about colleagues:
        // only for those who manage the processes.
        if !actor.can(company.id, perm(Module::Tasks, Action::Manage)) {
            f.waiting_per_person.clear();
        }
        Ok(f)
    }
}

fn step_to_app(e: StepError) -> AppError {
    match e {
        StepError::Retry(r) | StepError::Incident(r) => conflict(r.clone(), r),
    }
}

fn parse_def(json: &str) -> AppResult<ProcessDef> {
    ProcessDef::from_json(json).map_err(|e| AppError::Internal(format!("stored process definition is broken: {e}")))
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

fn strip_progress(s: &str) -> &str {
    match s.rfind(" (") {
        Some(i) if s.ends_with(')') => &s[..i],
        _ => s,
    }
}

pub(crate) fn review_key(r: Review) -> &'static str {
    match r {
        Review::None => "none",
        Review::Manual => "manual",
        Review::Confirm => "confirm",
        Review::Sampled => "sampled",
        Review::LowConfidence => "low_confidence",
        Review::HighAmount => "high_amount",
    }
}

fn task_title(kind: &str, step: &StepDef, inst: &InstanceRecord) -> (String, String) {
    let what = inst
        .data
        .values
        .get("title")
        .cloned()
        .unwrap_or_else(|| inst.subject.chars().take(8).collect());
    match kind {
        "approve" => (format!("Freigeben: {what}"), format!("Approve: {what}")),
        "review" => (
            format!("Prüfen ({}): {what}", step.name.0),
            format!("Review ({}): {what}", step.name.1),
        ),
        "confirm" => (
            format!("Bestätigen ({}): {what}", step.name.0),
            format!("Confirm ({}): {what}", step.name.1),
        ),
        "manual" => (format!("{}: {what}", step.name.0), format!("{}: {what}", step.name.1)),
        _ => (format!("{}: {what}", step.name.0), format!("{}: {what}", step.name.1)),
    }
}

/// `@name` mentions in a comment.
fn mentions(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    for w in body.split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == ':') {
        if let Some(n) = w.strip_prefix('@') {
            let n: String = n
                .chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
                .collect();
            let n = n.trim_end_matches('.').to_string();
            if !n.is_empty() && !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

fn excerpt(s: &str) -> String {
    let t: String = s.chars().take(120).collect();
    if t.len() < s.len() {
        format!("{t}…")
    } else {
        t
    }
}

/// A short account of what changed between two versions.
fn describe_changes(a: &ProcessDef, b: &ProcessDef) -> String {
    let mut out = Vec::new();
    if a.params != b.params {
        out.push("parameters".to_string());
    }
    for (x, y) in a.steps.iter().zip(&b.steps) {
        if x.level != y.level {
            out.push(format!("{}: level {} -> {}", x.key, x.level.key(), y.level.key()));
        }
        if x.review != y.review {
            out.push(format!("{}: review policy", x.key));
        }
        if x.candidate_role != y.candidate_role || x.due_hours != y.due_hours {
            out.push(format!("{}: responsibility or deadline", x.key));
        }
    }
    if out.is_empty() {
        "no change".into()
    } else {
        out.join("; ")
    }
}

/// Parses an automation level from a form or the API.
pub fn parse_level(s: &str) -> Option<AutomationLevel> {
    AutomationLevel::parse(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_found_once() {
        assert_eq!(mentions("@anna bitte prüfen, @ben. Danke @anna"), vec!["anna", "ben"]);
        assert!(mentions("mail@example.com").is_empty());
    }
}
