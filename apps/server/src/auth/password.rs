//! The master password policy (api.md: at least 8 characters, mixed case, a digit and a special
//! character) and bcrypt hashing. Hashing and verifying are slow on purpose: call them through
//! `blocking`.

/// bcrypt only reads the first 72 bytes; longer passwords are refused rather than truncated.
pub const MAX_PASSWORD_BYTES: usize = 72;

/// Why a password breaks the policy, or None when it is acceptable.
pub fn policy_violation(password: &str) -> Option<String> {
    let mut missing = Vec::new();
    if password.chars().count() < 8 {
        missing.push("at least 8 characters");
    }
    if !password.chars().any(char::is_lowercase) {
        missing.push("a lower-case letter");
    }
    if !password.chars().any(char::is_uppercase) {
        missing.push("an upper-case letter");
    }
    if !password.chars().any(|c| c.is_ascii_digit()) {
        missing.push("a digit");
    }
    if !password
        .chars()
        .any(|c| !c.is_alphanumeric() && !c.is_whitespace())
    {
        missing.push("a special character");
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Some(format!(
            "The password must be at most {MAX_PASSWORD_BYTES} bytes long"
        ));
    }
    (!missing.is_empty()).then(|| format!("The password must contain {}", missing.join(", ")))
}

/// bcrypt hash of `password` with `cost`.
pub fn hash(password: &str, cost: u32) -> Result<String, bcrypt::BcryptError> {
    bcrypt::hash(password, cost)
}

/// Whether `password` matches `hash`; a malformed hash counts as no match.
pub fn verify(password: &str, hash: &str) -> bool {
    bcrypt::verify(password, hash).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pw: &str, ok: bool) {
        assert_eq!(
            policy_violation(pw).is_none(),
            ok,
            "{pw:?}: {:?}",
            policy_violation(pw)
        );
    }

    #[test]
    fn policy() {
        check("Secret#123", true);
        check("Überall#9x", true);
        check("short#1A", true);
        check("Sh#1a", false);
        check("alllower#123", false);
        check("ALLUPPER#123", false);
        check("NoDigits#abc", false);
        check("NoSpecial123", false);
        check(&format!("Aa1#{}", "x".repeat(80)), false);
    }

    #[test]
    fn hash_and_verify() {
        let h = hash("Secret#123", 4).unwrap();
        assert!(verify("Secret#123", &h));
        assert!(!verify("Secret#124", &h));
        assert!(!verify("Secret#123", "not-a-hash"));
    }
}
