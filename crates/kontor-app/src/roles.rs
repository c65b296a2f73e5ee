//! Custom roles: a company's administrators define roles as sets of
//! permissions beyond the built-in ones (e.g. "Kasse": `partners:read`,
//! `finance:read`). Sensitive HR fields stay behind the explicit permission
//! `payroll:manage`, which a custom role only has if it names it.

use kontor_core::{Action, CustomRoleId, Module, ParseError, Permission, Role};

use crate::actor::Actor;
use crate::app::App;
use crate::audit::{change_document, FieldState};
use crate::error::{AppError, AppResult};
use crate::records::{CompanyRecord, CustomRoleRecord};

const MANAGE: Permission = Permission::new(Module::Admin, Action::Manage);

/// What an administrator enters to define (or redefine) a role.
#[derive(Clone, Debug, Default)]
pub struct RoleInput<'a> {
    pub key: &'a str,
    pub name: &'a str,
    /// `module:action` each.
    pub permissions: Vec<&'a str>,
    /// Two-factor sign-in for holders; by default required when the role
    /// holds sensitive permissions (`payroll:manage`, `admin:manage`).
    pub require_2fa: Option<bool>,
}

fn parse_role(input: &RoleInput<'_>) -> AppResult<(String, String, Vec<Permission>, bool)> {
    let mut errors = Vec::new();
    let key = input.key.trim().to_ascii_lowercase();
    let key_ok = (2..=32).contains(&key.len())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && Role::parse(&key).is_none();
    if !key_ok {
        errors.push(ParseError::new(
            "key",
            "The role key has 2–32 lower-case letters, digits or hyphens and is not a built-in role's key.",
            "Das Rollenkürzel hat 2–32 Kleinbuchstaben, Ziffern oder Bindestriche und ist kein Kürzel einer eingebauten Rolle.",
        ));
    }
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(ParseError::new(
            "name",
            "Give the role a name (up to 100 characters).",
            "Geben Sie der Rolle einen Namen (bis 100 Zeichen).",
        ));
    }
    let mut perms = Vec::new();
    let mut unknown = Vec::new();
    for p in &input.permissions {
        match Permission::parse(p) {
            Some(p) if !perms.contains(&p) => perms.push(p),
            Some(_) => {}
            None => unknown.push(p.to_string()),
        }
    }
    if !unknown.is_empty() {
        errors.push(ParseError::new(
            "permissions",
            format!(
                "Unknown permissions: {}. Write module:action, e.g. partners:read.",
                unknown.join(", ")
            ),
            format!(
                "Unbekannte Berechtigungen: {}. Schreiben Sie Bereich:Aktion, z. B. partners:read.",
                unknown.join(", ")
            ),
        ));
    } else if perms.is_empty() {
        errors.push(ParseError::new(
            "permissions",
            "A role needs at least one permission.",
            "Eine Rolle braucht mindestens eine Berechtigung.",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    perms.sort();
    let sensitive = perms.contains(&crate::employees::SENSITIVE) || perms.contains(&MANAGE);
    Ok((key, name.to_string(), perms, input.require_2fa.unwrap_or(sensitive)))
}

fn state(r: &CustomRoleRecord) -> Vec<FieldState> {
    let perms: Vec<String> = r.permissions.iter().map(|p| p.to_string()).collect();
    vec![
        FieldState::plain("name", Some(&r.name)),
        FieldState::plain("permissions", Some(perms.join(","))),
        FieldState::plain("require_2fa", Some(r.require_2fa)),
    ]
}

impl App {
    /// The custom roles of a company.
    pub async fn custom_roles(&self, actor: &Actor, company: &CompanyRecord) -> AppResult<Vec<CustomRoleRecord>> {
        actor.require(company.id, MANAGE)?;
        let mut tx = self.store().begin_read().await?;
        Ok(tx.custom_roles(company.id).await?)
    }

    /// Defines a custom role, or redefines the one with that key; holders
    /// get the new permissions with their next request.
    pub async fn define_role(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        input: &RoleInput<'_>,
    ) -> AppResult<CustomRoleRecord> {
        actor.require(company.id, MANAGE)?;
        let (key, name, permissions, require_2fa) = parse_role(input)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let before = tx.custom_roles(company.id).await?.into_iter().find(|r| r.key == key);
        let record = CustomRoleRecord {
            id: before
                .as_ref()
                .map(|b| b.id)
                .unwrap_or_else(|| CustomRoleId::from_uuid(self.ids().new_uuid())),
            company_id: company.id,
            key: key.clone(),
            name,
            permissions,
            require_2fa,
            created_at: before.as_ref().map(|b| b.created_at).unwrap_or(now),
            updated_at: now,
        };
        tx.upsert_custom_role(&record).await?;
        let change = change_document(before.as_ref().map(state).as_deref(), Some(&state(&record)));
        self.audit_change(
            &mut tx,
            actor,
            Some(company.id),
            if before.is_some() { "role.update" } else { "role.create" },
            &format!("custom:{key}"),
            &record.name,
            Some(change),
        )
        .await?;
        tx.commit().await?;
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_need_a_fresh_key_a_name_and_known_permissions() {
        let bad = RoleInput {
            key: "admin",
            name: "",
            permissions: vec!["partners:fly"],
            require_2fa: None,
        };
        let Err(AppError::Invalid(errs)) = parse_role(&bad) else {
            panic!("must be refused")
        };
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["key", "name", "permissions"]);
    }

    #[test]
    fn sensitive_permissions_require_two_factor_by_default() {
        let ok = |perms: Vec<&'static str>| {
            parse_role(&RoleInput {
                key: "kasse",
                name: "Kasse",
                permissions: perms,
                require_2fa: None,
            })
            .ok()
        };
        assert_eq!(ok(vec!["partners:read"]).map(|r| r.3), Some(false));
        assert_eq!(ok(vec!["payroll:manage"]).map(|r| r.3), Some(true));
    }
}
