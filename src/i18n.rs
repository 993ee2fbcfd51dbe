//! Languages of the messages people read (SPEC §12): `--lang en|tr`, by default from `LC_ALL`,
//! `LC_MESSAGES`, `LANG` (`tr*` is Turkish). The texts are Fluent catalogues, a few files per
//! language (`i18n/en/*.ftl`, `i18n/tr/*.ftl`), built into the binary; problem messages are rendered
//! through [`Template`]s (`crate::record::message`). Numbers are grouped
//! (`5,000,000` / `5.000.000`) before they reach a text; a count that chooses a noun's form is
//! passed beside it as `<name>_count`.
//!
//! Reason codes, JSON keys and the rejects header are never translated.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./i18n",
        fallback_language: "en",
        // Plain text for terminals, CSV and HTML: no Unicode isolation marks around values.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A language of the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Tr,
}

static EN: LanguageIdentifier = langid!("en");
static TR: LanguageIdentifier = langid!("tr");

impl Lang {
    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::En => &EN,
            Lang::Tr => &TR,
        }
    }

    /// The HTML `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Tr => "tr",
        }
    }

    /// The language of a locale name such as `tr_TR.UTF-8` (`tr*` is Turkish, anything else English).
    pub fn of_locale(locale: &str) -> Lang {
        if locale
            .get(..2)
            .is_some_and(|p| p.eq_ignore_ascii_case("tr"))
        {
            Lang::Tr
        } else {
            Lang::En
        }
    }

    /// The language from the environment: the first of `LC_ALL`, `LC_MESSAGES`, `LANG` that is set
    /// and not empty (as POSIX orders them).
    pub fn from_env() -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
            .map_or(Lang::En, |v| Lang::of_locale(&v))
    }

    /// `n` with its thousands grouped: `5,000,000` in English, `5.000.000` in Turkish.
    pub fn num(self, n: u64) -> String {
        let sep = match self {
            Lang::En => ',',
            Lang::Tr => '.',
        };
        let digits = n.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(c);
        }
        out
    }

    /// Seconds with two decimals in the language's notation (`4.65` / `4,65`).
    pub fn secs(self, secs: f64) -> String {
        let s = format!("{secs:.2}");
        match self {
            Lang::En => s,
            Lang::Tr => s.replace('.', ","),
        }
    }

    /// The text of `key`.
    pub fn t(self, key: &str) -> String {
        self.ta(key, &[])
    }

    /// The text of `key`, or `fallback` when the catalogues do not have it (texts keyed by a
    /// value stored or written elsewhere: a ledger's endpoint name, an action's phrase).
    pub fn t_or(self, key: &str, fallback: &str) -> String {
        match self.t(key) {
            text if text == key => fallback.to_string(),
            text => text,
        }
    }

    /// The text of `key` with its arguments; a [`Arg::N`] is grouped and also passed as
    /// `<name>_count` for the noun's form.
    pub fn ta(self, key: &str, args: &[(&'static str, Arg)]) -> String {
        let mut map: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
        for (name, arg) in args {
            match arg {
                Arg::N(n) => {
                    map.insert(Cow::Borrowed(*name), FluentValue::from(self.num(*n)));
                    map.insert(
                        Cow::Owned(format!("{name}_count")),
                        FluentValue::from(*n as f64),
                    );
                }
                Arg::S(s) => {
                    map.insert(Cow::Borrowed(*name), FluentValue::from(s.clone()));
                }
            }
        }
        LOCALES
            .try_lookup_with_args(self.id(), key, &map)
            .unwrap_or_else(|| key.to_string())
    }
}

/// An argument of a text: a count, or a string shown as it is.
#[derive(Debug, Clone)]
pub enum Arg {
    N(u64),
    S(String),
}

/// Anything shown as it is (a path's `display()`, a flag, a pid): [`Arg::S`]. A count that is
/// grouped and chooses a noun's form is written `Arg::N(n)` explicitly.
impl<T: std::fmt::Display> From<T> for Arg {
    fn from(value: T) -> Arg {
        Arg::S(value.to_string())
    }
}

/// The text of a catalogue key in the run's language ([`lang()`]), with named arguments:
/// `tr!("err-out-is-input", what = flag, path = p.display(), input = name)`. A value is shown as
/// it is (anything `Display`), or given as `Arg::N(n)` for a count.
#[macro_export]
macro_rules! tr {
    ($key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::lang().ta(
            $key,
            &[$((stringify!($name), $crate::i18n::Arg::from($value))),*],
        )
    };
}

static CURRENT: AtomicU8 = AtomicU8::new(0);

/// Sets the language of this run (once, from `--lang` or the environment).
pub fn set(lang: Lang) {
    CURRENT.store(lang as u8, Ordering::Relaxed);
}

/// The language of this run.
pub fn lang() -> Lang {
    match CURRENT.load(Ordering::Relaxed) {
        1 => Lang::Tr,
        _ => Lang::En,
    }
}

/// A catalogue text with places for its arguments: the text Fluent renders for placeholder
/// values, cut at them. Rendering it with values is what Fluent would give for those values as
/// long as the text does not select on them (`problems.ftl` never does; a test compares), and it
/// costs a few copies instead of a Fluent call: problem messages are rendered millions of times.
#[derive(Debug)]
pub struct Template {
    parts: Vec<Part>,
    missing: bool,
}

#[derive(Debug)]
enum Part {
    Text(String),
    Arg(usize),
}

/// The placeholder of argument `i`: a private-use character followed by one naming `i`.
const MARK: char = '\u{E000}';
const FIRST: u32 = 0xE100;

impl Template {
    /// The text of `key` in `lang`, with places for the arguments `names` (in their order).
    pub fn compile(lang: Lang, key: &str, names: &[&'static str]) -> Template {
        let args: Vec<(&'static str, Arg)> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let index = char::from_u32(FIRST + i as u32).unwrap_or(MARK);
                (*name, Arg::S(format!("{MARK}{index}")))
            })
            .collect();
        let text = lang.ta(key, &args);
        let missing = text == key;
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c != MARK {
                literal.push(c);
                continue;
            }
            let Some(index) = chars.next() else {
                break;
            };
            if !literal.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut literal)));
            }
            parts.push(Part::Arg((index as u32).saturating_sub(FIRST) as usize));
        }
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Template { parts, missing }
    }

    /// Writes the text, each argument by `arg(index, out)`.
    pub fn write<W: std::fmt::Write>(
        &self,
        out: &mut W,
        mut arg: impl FnMut(usize, &mut dyn std::fmt::Write) -> std::fmt::Result,
    ) -> std::fmt::Result {
        for part in &self.parts {
            match part {
                Part::Text(t) => out.write_str(t)?,
                Part::Arg(i) => arg(*i, out)?,
            }
        }
        Ok(())
    }

    /// Whether the key is not in the catalogue.
    pub fn is_missing(&self) -> bool {
        self.missing
    }

    /// Whether the text shows argument `i`.
    pub fn uses(&self, i: usize) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Arg(j) if *j == i))
    }

    /// The text without its arguments.
    pub fn literal_text(&self) -> String {
        self.parts
            .iter()
            .filter_map(|p| match p {
                Part::Text(t) => Some(t.as_str()),
                Part::Arg(_) => None,
            })
            .collect()
    }
}

/// The description of a reason code in `lang` (its catalogue key is `code-<code with dashes>`).
pub fn describe(lang: Lang, code: crate::record::Code) -> String {
    lang.t(&format!("code-{}", code.as_str().replace('_', "-")))
}

/// The keys a catalogue defines (`key =` at the start of a line).
#[cfg(test)]
fn keys(ftl: &str) -> std::collections::BTreeSet<&str> {
    ftl.lines()
        .filter(|l| !l.starts_with([' ', '#', '\t', '-']) && l.contains(" ="))
        .filter_map(|l| l.split(" =").next())
        .map(str::trim)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every catalogue file of a language (`i18n/<lang>/*.ftl`), joined.
    fn catalogue(lang: &str) -> String {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("i18n")
            .join(lang);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("the catalogue directory")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "ftl"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no catalogue in {}", dir.display());
        files
            .iter()
            .map(|p| std::fs::read_to_string(p).expect("a catalogue file"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn every_key_is_in_both_catalogues() {
        let (en_ftl, tr_ftl) = (catalogue("en"), catalogue("tr"));
        let (en, tr) = (keys(&en_ftl), keys(&tr_ftl));
        assert!(en.len() > 20, "the catalogue is read: {en:?}");
        let missing_tr: Vec<_> = en.difference(&tr).collect();
        let missing_en: Vec<_> = tr.difference(&en).collect();
        assert!(missing_tr.is_empty(), "missing in i18n/tr: {missing_tr:?}");
        assert!(missing_en.is_empty(), "missing in i18n/en: {missing_en:?}");
        // Every key is loaded in both languages: a file that does not parse, or one the loader was
        // not rebuilt with (touch src/i18n.rs after adding a file), would leave its keys out.
        // (Missing arguments are fine here; a missing message is not.)
        for key in &en {
            for lang in [Lang::En, Lang::Tr] {
                let found = LOCALES.lookup_single_language::<&str>(lang.id(), key, None);
                // (The crate does not export its error type; its variants are told by name.)
                let missing = found.as_ref().is_err_and(|e| {
                    let e = format!("{e:?}");
                    e.starts_with("MessageRetrieval") || e.starts_with("LangNotLoaded")
                });
                assert!(!missing, "{key} is not loaded in {lang:?}: {found:?}");
            }
        }
    }

    #[test]
    fn every_code_has_a_description_in_both_languages() {
        for code in crate::record::Code::ALL {
            let key = format!("code-{}", code.as_str().replace('_', "-"));
            let en = Lang::En.t(&key);
            let tr = Lang::Tr.t(&key);
            assert_ne!(en, key, "{key} in en");
            assert_ne!(tr, key, "{key} in tr");
            assert_ne!(en, tr, "{key} is translated");
        }
    }

    #[test]
    fn numbers_are_grouped_per_language() {
        assert_eq!(Lang::En.num(5_000_000), "5,000,000");
        assert_eq!(Lang::Tr.num(5_000_000), "5.000.000");
        assert_eq!(Lang::En.num(999), "999");
        assert_eq!(Lang::En.num(1000), "1,000");
        assert_eq!(Lang::Tr.num(0), "0");
        assert_eq!(Lang::Tr.secs(4.654), "4,65");
    }

    #[test]
    fn nouns_agree_with_their_counts() {
        let one = Lang::En.ta("n-conflicts", &[("n", Arg::N(1))]);
        let two = Lang::En.ta("n-conflicts", &[("n", Arg::N(2))]);
        assert_eq!((one.as_str(), two.as_str()), ("1 conflict", "2 conflicts"));
        assert_eq!(Lang::En.ta("n-files", &[("n", Arg::N(1))]), "1 file");
        assert_eq!(
            Lang::Tr.ta("n-conflicts", &[("n", Arg::N(1200))]),
            "1.200 çakışma"
        );
    }

    #[test]
    fn error_texts_name_their_path_in_both_languages() {
        let args = || {
            [
                ("what", Arg::from("--valid-out")),
                ("path", Arg::from("in.csv")),
                ("input", Arg::from("in.csv")),
            ]
        };
        assert_eq!(
            Lang::En.ta("err-out-is-input", &args()),
            "--valid-out in.csv is the same file as the input in.csv: writing it would destroy the \
             input; choose another path for --valid-out"
        );
        let tr = Lang::Tr.ta("err-out-is-input", &args());
        assert!(
            tr.starts_with("--valid-out in.csv, in.csv girdi dosyasıyla"),
            "{tr}"
        );
        // A count given as `Arg::N` is grouped; anything else is shown as it is.
        let n = Lang::Tr.ta(
            "warn-journal-skipped",
            &[("n", Arg::N(1200)), ("path", Arg::from(7))],
        );
        assert!(n.contains("okunamayan 1.200 satır"), "{n}");
        assert!(n.starts_with("7 günlüğündeki"), "{n}");
        // The run's language is English unless set (tests never set it: they run in parallel).
        assert_eq!(crate::tr!("err-jobs-zero"), "--jobs must be at least 1");
    }

    #[test]
    fn the_locale_rule() {
        assert_eq!(Lang::of_locale("tr_TR.UTF-8"), Lang::Tr);
        assert_eq!(Lang::of_locale("TR"), Lang::Tr);
        assert_eq!(Lang::of_locale("en_US.UTF-8"), Lang::En);
        assert_eq!(Lang::of_locale("C"), Lang::En);
    }
}
