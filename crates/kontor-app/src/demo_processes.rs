//! The demo's processes: the incoming-invoice process with the demo's
//! parameters (kontor approves invoices up to EUR 250 from known suppliers
//! on its own), the archive's invoices run through it, people of the demo
//! roles work part of the tasks so there is a history to analyse, and each
//! internal demo role keeps open tasks.

use kontor_core::{Role, Username};

use crate::actor::Actor;
use crate::app::{load_memberships, user_actor, App};
use crate::error::AppResult;
use crate::invoice_process::PROCESS_INCOMING_INVOICE;
use crate::records::CompanyRecord;
use crate::workflow::TaskDecision;

impl App {
    async fn demo_person(&self, role: Role) -> AppResult<Option<Actor>> {
        let mut tx = self.store().begin_read().await?;
        let Some(u) = tx.user_by_name(&Username::parse(role.key())?).await? else {
            return Ok(None);
        };
        let ms = load_memberships(&mut tx, u.id, self.now()).await?;
        Ok(Some(user_actor(&u, ms)))
    }

    /// Sets the demo's process parameters (before the archive is seeded,
    /// so its invoices run on them). Only on a company without instances.
    pub(crate) async fn seed_demo_process_params(&self, actor: &Actor, company: &CompanyRecord) -> AppResult<()> {
        let view = self.process_view(actor, company, PROCESS_INCOMING_INVOICE).await?;
        if view.versions.len() > 1 || !view.counts.is_empty() {
            return Ok(());
        }
        let mut def = view.def;
        def.params.auto_approve_max_cents = Some(25_000);
        def.params.owner = Some(Role::Admin.key().to_string());
        self.update_process(actor, company, def).await?;
        Ok(())
    }

    /// After the archive ran through the process: people work part of the
    /// tasks (a history), and every internal role keeps something open.
    pub(crate) async fn seed_demo_work(&self, company: &CompanyRecord) -> AppResult<usize> {
        let (Some(buch), Some(frei)) = (
            self.demo_person(Role::Buchhaltung).await?,
            self.demo_person(Role::Freigabe).await?,
        ) else {
            return Ok(0);
        };
        let mut done = 0;
        // Bookkeeping confirms all but one review; the open one stays.
        for _ in 0..3 {
            let reviews: Vec<_> = self
                .my_tasks(&buch, company)
                .await?
                .into_iter()
                .filter(|t| matches!(t.data.kind.as_str(), "review" | "confirm"))
                .collect();
            for t in reviews.iter().skip(1) {
                let outcome = if t.data.step == "match_supplier" && t.data.proposal["create"].is_object() {
                    TaskDecision {
                        outcome: "corrected".into(),
                        changes: [("create".to_string(), "1".to_string())].into(),
                        ..TaskDecision::default()
                    }
                } else {
                    TaskDecision {
                        outcome: "confirmed".into(),
                        ..TaskDecision::default()
                    }
                };
                if self.complete_task(&buch, company, &t.id, outcome).await.is_ok() {
                    done += 1;
                }
            }
            self.run_due_jobs("demo", 200).await?;
        }
        // The approver approves all but two; one of them is comment-worthy.
        let approvals: Vec<_> = self
            .my_tasks(&frei, company)
            .await?
            .into_iter()
            .filter(|t| t.data.kind == "approve")
            .collect();
        for t in approvals.iter().skip(2) {
            if self
                .complete_task(
                    &frei,
                    company,
                    &t.id,
                    TaskDecision {
                        outcome: "approved".into(),
                        ..TaskDecision::default()
                    },
                )
                .await
                .is_ok()
            {
                done += 1;
            }
        }
        if let Some(t) = approvals.first() {
            self.add_comment(
                &frei,
                company,
                "task",
                &t.id,
                "@buchhaltung Ist die Kostenstelle richtig? Bitte kurz prüfen.",
            )
            .await?;
        }
        self.run_due_jobs("demo", 200).await?;
        // Something open for each internal role.
        let day = 86_400_000;
        let due = |d: i64| Some(self.now().plus_millis(d * day));
        let admin = self.demo_person(Role::Admin).await?;
        if let Some(a) = &admin {
            self.create_task(
                a,
                company,
                "Prozessparameter Eingangsrechnung prüfen (Grenze für automatische Freigabe)",
                Some(Role::Admin.key()),
                None,
                due(7),
            )
            .await?;
            self.create_task(
                a,
                company,
                "Lohnabrechnung des Monats vorbereiten",
                None,
                Some(Role::Personal.key()),
                due(5),
            )
            .await?;
            self.create_task(
                a,
                company,
                "Reisekostenbeleg der Messe nachreichen",
                Some(Role::Mitarbeiter.key()),
                None,
                due(3),
            )
            .await?;
        }
        Ok(done)
    }
}
