//! Text preparation for full-text search in English, Spanish and Chinese.
//!
//! The index uses SQLite FTS5's `unicode61` tokenizer (case and accent folding:
//! `Mendez` finds `Méndez`). Chinese has no spaces between words, so before
//! indexing every CJK character is made a token of its own; a Chinese query then
//! becomes a phrase of consecutive characters, which matches exactly where the
//! query is a substring (`科技` in `北京星辰科技有限公司`), for queries of any
//! length, one character included. Compared with a trigram index this is several
//! times smaller and faster to build, which matters for a laptop's first sync of
//! hundreds of thousands of interactions, and it needs no separate fallback for
//! one- and two-character queries.

/// Whether `c` is written without spaces between words (Han, kana, Hangul), so
/// each such character is indexed as its own token.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
        | 0x20000..=0x3134F  // CJK Extensions B-G
    )
}

/// Text as it goes into the index: CJK characters separated by spaces, the rest
/// unchanged (the tokenizer folds case and accents).
pub fn index_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    let mut prev_cjk = false;
    for c in text.chars() {
        let cjk = is_cjk(c);
        if cjk || prev_cjk {
            out.push(' ');
        }
        out.push(c);
        prev_cjk = cjk;
    }
    out
}

/// Appends the index form of `text` to `out`, separated from what is there.
pub fn push_index_text(out: &mut String, text: &str) {
    if !text.is_empty() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&index_text(text));
    }
}

/// An FTS5 MATCH expression for what a user typed, or `None` when there is
/// nothing to search for. Every word must match; Latin words match as prefixes
/// (`mend` finds `Méndez`), CJK runs as exact substrings.
pub fn match_expression(query: &str) -> Option<String> {
    let mut words: Vec<&str> = query
        .split(|c: char| {
            !(c.is_alphanumeric() || c == '\'' || c == '@' || c == '.' || c == '-' || c == '+')
        })
        .filter(|w| term(w).is_some())
        .collect();
    // While typing "annual c", the lone "c" would match every word starting
    // with c (most of the index) and add nothing the next key does not: it
    // waits for a second letter. A Chinese character is a whole word, kept.
    if words.len() > 1 && words.last().is_some_and(|w| is_one_latin_letter(w)) {
        words.pop();
    }
    let terms: Vec<String> = words.into_iter().filter_map(term).collect();
    (!terms.is_empty()).then(|| terms.join(" AND "))
}

/// Whether a query is one letter or digit of a non-CJK script (`a`, `7`).
pub fn is_one_latin_letter(query: &str) -> bool {
    let mut chars = query.trim().chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if c.is_alphanumeric() && !is_cjk(c))
}

fn term(word: &str) -> Option<String> {
    let tokens: Vec<String> = index_text(word)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    let last = tokens.last()?;
    // A phrase of the word's tokens in order. The last token is a prefix unless it
    // is a CJK character, which must match exactly.
    let prefix = !last.chars().all(is_cjk);
    let phrase = tokens.join(" ");
    Some(if prefix {
        format!("\"{phrase}\"*")
    } else {
        format!("\"{phrase}\"")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_characters_become_separate_tokens() {
        assert_eq!(index_text("北京星辰科技"), " 北 京 星 辰 科 技");
        assert_eq!(index_text("ACME中国 Ltd"), "ACME 中 国  Ltd");
    }

    #[test]
    fn queries_are_prefix_words_and_chinese_phrases() {
        assert_eq!(match_expression("Mendez").as_deref(), Some("\"Mendez\"*"));
        assert_eq!(match_expression("科技").as_deref(), Some("\"科 技\""));
        assert_eq!(match_expression("科").as_deref(), Some("\"科\""));
        assert_eq!(
            match_expression("ana 北京").as_deref(),
            Some("\"ana\"* AND \"北 京\"")
        );
    }

    #[test]
    fn a_last_single_letter_waits_for_the_next_key() {
        assert_eq!(match_expression("annual c").as_deref(), Some("\"annual\"*"));
        assert_eq!(
            match_expression("annual co").as_deref(),
            Some("\"annual\"* AND \"co\"*")
        );
        assert_eq!(match_expression("a").as_deref(), Some("\"a\"*"));
        assert_eq!(
            match_expression("北京 科").as_deref(),
            Some("\"北 京\" AND \"科\"")
        );
        assert!(
            is_one_latin_letter(" a ") && !is_one_latin_letter("科") && !is_one_latin_letter("ab")
        );
    }

    #[test]
    fn fts_syntax_in_a_query_is_treated_as_text() {
        // Quotes, stars and NEAR() must not reach FTS5 as operators.
        assert_eq!(
            match_expression("\"a* OR b").as_deref(),
            Some("\"a\"* AND \"OR\"*")
        );
        assert_eq!(match_expression("  * ( ) ").as_deref(), None);
        assert_eq!(match_expression("o'neil").as_deref(), Some("\"o neil\"*"));
    }
}
