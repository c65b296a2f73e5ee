//! Separation of duties in the application layer: every use-case that
//! performs a duty records it in the same transaction as its change, and a
//! use-case about to perform a later duty asks [`App::check_duty`] first. A
//! violation is refused and written to the audit trail (in its own
//! transaction, because the refused change itself never happens).

use kontor_core::sod::{self, Duty};
use kontor_core::CompanyId;

use crate::actor::{Actor, ActorKind};
use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::ports::Tx;
use crate::records::DutyRecord;

/// The identity duties are recorded under: the person, whatever device or
/// token they act through.
pub fn person_of(actor: &Actor) -> String {
    match actor.kind {
        ActorKind::User(id) => format!("user:{id}"),
        _ => actor.label.clone(),
    }
}

impl App {
    /// Records that `actor` performed `duty` on the object.
    pub(crate) async fn record_duty(
        &self,
        tx: &mut Box<dyn Tx>,
        actor: &Actor,
        company: CompanyId,
        object: (&str, &str),
        duty: Duty,
    ) -> AppResult<()> {
        tx.insert_duty(&DutyRecord {
            id: self.ids().new_uuid(),
            company_id: company,
            object_type: object.0.to_string(),
            object_id: object.1.to_string(),
            duty,
            person: person_of(actor),
            at: self.now(),
        })
        .await?;
        Ok(())
    }

    /// Refuses `duty` if the actor's earlier duties on the object forbid it;
    /// the refusal is logged with the rule's code.
    pub(crate) async fn check_duty(
        &self,
        actor: &Actor,
        company: CompanyId,
        object: (&str, &str),
        duty: Duty,
    ) -> AppResult<()> {
        let person = person_of(actor);
        let mut tx = self.store().begin_read().await?;
        let done: Vec<Duty> = tx
            .duties_on(company, object.0, object.1)
            .await?
            .into_iter()
            .filter(|d| d.person == person)
            .map(|d| d.duty)
            .collect();
        drop(tx);
        let Some(rule) = sod::violated(&done, duty) else {
            return Ok(());
        };
        let mut tx = self.store().begin().await?;
        let earlier: Vec<&str> = done.iter().map(|d| d.key()).collect();
        self.audit(
            &mut tx,
            actor,
            Some(company),
            "sod.refused",
            object.1,
            format!(
                "{}: {} refused on {} {} after {}",
                rule.code,
                duty.key(),
                object.0,
                object.1,
                earlier.join(", ")
            ),
        )
        .await?;
        tx.commit().await?;
        Err(AppError::SeparationOfDuties { rule })
    }
}
