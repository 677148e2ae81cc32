//! Quoting the user's values in messages: short, and with invisible characters made visible.

/// Characters of a value quoted in a message; a longer value is cut with its length stated (a
/// 10 MB cell must not be echoed whole).
pub const QUOTE_CHARS: usize = 80;

/// `value` as a message shows it, in backticks: at most [`QUOTE_CHARS`] characters, control
/// characters, non-breaking and zero-width spaces escaped so that two values that print alike
/// can be told apart.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(QUOTE_CHARS * 2) + 2);
    out.push('`');
    let total = value.chars().count();
    for c in value.chars().take(QUOTE_CHARS) {
        match c {
            '\u{a0}' => out.push_str("\\u{a0}"),
            '\u{200b}' | '\u{feff}' | '\u{202f}' => out.push_str(&c.escape_unicode().to_string()),
            c if c.is_control() => out.push_str(&c.escape_debug().to_string()),
            c => out.push(c),
        }
    }
    out.push('`');
    if total > QUOTE_CHARS {
        out.push_str(&format!(" (cut; {total} characters in all)"));
    }
    out
}

/// A text cell for a CSV output that Excel will open: a value starting with `=`, `+`, `-` or
/// `@` (or a tab or carriage return) would be run as a formula, so it gets a leading `'`, which
/// Excel shows as text. Numbers (`-12.5`) are left as they are.
pub fn csv_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let risky = text
        .bytes()
        .next()
        .is_some_and(|b| matches!(b, b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r'));
    if risky && text.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Levenshtein distance between two short strings (for "did you mean" suggestions).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The closest of `candidates` to `word` when it is close enough to be a misspelling: none for
/// words of up to four characters (`ep1` is not a misspelled `ep2`), one edit up to seven, two
/// for longer ones (and never the word itself).
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = match word.chars().count() {
        0..=4 => return None,
        5..=7 => 1,
        _ => 2,
    };
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_and_invisible_characters_shown() {
        let long = "x".repeat(10_000);
        let quoted = quote(&long);
        assert!(quoted.len() < 140, "{quoted}");
        assert!(quoted.contains("10000 characters"));
        assert_eq!(quote("12\u{a0}34"), "`12\\u{a0}34`");
        assert_eq!(quote("a\0b"), "`a\\0b`");
    }

    #[test]
    fn formulas_are_neutralised_in_csv_cells() {
        assert_eq!(csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_safe("+31 6"), "'+31 6");
        assert_eq!(csv_safe("-12.5"), "-12.5");
        assert_eq!(csv_safe("C-12"), "C-12");
    }

    #[test]
    fn misspellings_are_recognised() {
        let names = ["registered_label", "monument", "reserve_eur"];
        assert_eq!(
            did_you_mean("registred_label", names),
            Some("registered_label")
        );
        assert_eq!(did_you_mean("monumnet", names), Some("monument"));
        assert_eq!(did_you_mean("reserv_eur", names), Some("reserve_eur"));
        assert_eq!(did_you_mean("kleur", names), None);
    }
}
