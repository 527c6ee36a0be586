//! Thai first, English second: messages live in `locales/{th,en}/main.ftl` (Fluent), embedded
//! at compile time. Field error codes from the domain are message ids `err-<code>`.

use std::sync::LazyLock;

use fluent_templates::{LanguageIdentifier, Loader, static_loader};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "th",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static TH: LazyLock<LanguageIdentifier> = LazyLock::new(|| "th".parse().expect("valid"));
static EN: LazyLock<LanguageIdentifier> = LazyLock::new(|| "en".parse().expect("valid"));

/// The interface language of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// ไทย (default)
    Th,
    /// English
    En,
}

impl Lang {
    /// From a stored or submitted code; anything but `en` is Thai.
    pub fn parse(s: &str) -> Self {
        if ruamjai_domain::auth::parse_locale(s) == "en" {
            Self::En
        } else {
            Self::Th
        }
    }

    /// From an `Accept-Language` header: English only when it is preferred over Thai.
    pub fn from_accept_language(header: &str) -> Self {
        for part in header.split(',') {
            let tag = part
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if tag.starts_with("th") {
                return Self::Th;
            }
            if tag.starts_with("en") {
                return Self::En;
            }
        }
        Self::Th
    }

    /// `th` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Th => "th",
            Self::En => "en",
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Self::Th => &TH,
            Self::En => &EN,
        }
    }

    /// A message.
    pub fn t(self, key: &str) -> String {
        LOCALES.lookup(self.id(), key)
    }

    /// A message, if there is one for the key.
    pub fn try_t(self, key: &str) -> Option<String> {
        LOCALES.try_lookup(self.id(), key)
    }

    /// A message with arguments (`{ $days }`).
    pub fn t_args(self, key: &str, args: &[(&'static str, String)]) -> String {
        use fluent_templates::fluent_bundle::FluentValue;
        let map: std::collections::HashMap<std::borrow::Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| (std::borrow::Cow::Borrowed(*k), FluentValue::from(v.clone())))
            .collect();
        LOCALES.lookup_with_args(self.id(), key, &map)
    }

    /// The message for a field error code.
    pub fn error(self, code: &str) -> String {
        LOCALES
            .try_lookup(self.id(), &format!("err-{code}"))
            .unwrap_or_else(|| self.t("err-invalid"))
    }

    /// An area's name in this language (English names fall back to Thai).
    pub fn area_name<'a>(self, name_th: &'a str, name_en: &'a str) -> &'a str {
        match self {
            Self::En if !name_en.is_empty() => name_en,
            _ => name_th,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_exists_in_both_languages() {
        let th = [
            include_str!("../locales/th/main.ftl"),
            include_str!("../locales/th/reports.ftl"),
            include_str!("../locales/th/network.ftl"),
            include_str!("../locales/th/care.ftl"),
            include_str!("../locales/th/field.ftl"),
            include_str!("../locales/th/linkage.ftl"),
            include_str!("../locales/th/hazards.ftl"),
            include_str!("../locales/th/privacy.ftl"),
        ]
        .concat();
        let en = [
            include_str!("../locales/en/main.ftl"),
            include_str!("../locales/en/reports.ftl"),
            include_str!("../locales/en/network.ftl"),
            include_str!("../locales/en/care.ftl"),
            include_str!("../locales/en/field.ftl"),
            include_str!("../locales/en/linkage.ftl"),
            include_str!("../locales/en/hazards.ftl"),
            include_str!("../locales/en/privacy.ftl"),
        ]
        .concat();
        let keys = |s: &str| -> Vec<String> {
            let mut k: Vec<String> = s
                .lines()
                .filter(|l| !l.starts_with([' ', '#', '\t']) && l.contains(" ="))
                .map(|l| l.split(" =").next().unwrap().trim().to_owned())
                .collect();
            k.sort();
            k
        };
        assert_eq!(keys(&th), keys(&en));
        assert!(keys(&th).len() > 50);
        let mut unique = keys(&th);
        unique.dedup();
        assert_eq!(unique, keys(&th), "a key is defined twice");
    }

    /// A key missing from the .ftl files would show up on a page as "Unknown localization";
    /// every key the templates and handlers ask for must exist in both languages.
    #[test]
    fn every_key_in_use_is_translated() {
        use ruamjai_domain::areas::AreaLevel;
        use ruamjai_domain::auth::Role;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut sources = Vec::new();
        for sub in [
            "templates",
            "src",
            "src/ui",
            "src/api",
            "src/ui/registry",
            "src/api/registry",
        ] {
            for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    sources.push(std::fs::read_to_string(path).unwrap());
                }
            }
        }
        let mut keys: Vec<String> = Vec::new();
        for text in &sources {
            for part in text.split(".t(\"").skip(1) {
                let key = part.split('"').next().unwrap();
                if !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
                    keys.push(key.to_owned());
                }
            }
        }
        assert!(keys.len() > 60, "found {} keys", keys.len());
        // Every field error code raised anywhere (`FieldError::new(field, code)`) has a message.
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(std::fs::read_to_string(path).unwrap());
                }
            }
        }
        let mut rust = Vec::new();
        for krate in ["../domain/src", "../store/src", "src"] {
            walk(&dir.join(krate), &mut rust);
        }
        let before = keys.len();
        for text in &rust {
            for part in text.split("FieldError::new(").skip(1) {
                let args: Vec<&str> = part.splitn(5, '"').collect();
                if args.len() == 5 && args[2].trim() == "," {
                    keys.push(format!("err-{}", args[3]));
                }
            }
        }
        assert!(
            keys.len() - before > 15,
            "field error codes found: {}",
            keys.len() - before
        );
        // Errors without a field are looked up by their code.
        for code in [
            "not_found",
            "unauthenticated",
            "forbidden",
            "throttled",
            "bad_credentials",
            "csrf",
            "payload_too_large",
            "internal",
            "invalid",
        ] {
            keys.push(format!("err-{code}"));
        }
        keys.extend(Role::ALL.iter().map(|r| format!("role-{}", r.as_str())));
        // The network's coded values, shown through `page.code(prefix, code)`.
        {
            use ruamjai_domain::network::*;
            let coded = |prefix: &str, codes: Vec<&'static str>| -> Vec<String> {
                codes.into_iter().map(|c| format!("{prefix}-{c}")).collect()
            };
            keys.extend(coded(
                "sector",
                Sector::ALL.iter().map(|v| v.as_str()).collect(),
            ));
            keys.extend(coded(
                "org-type",
                OrgType::ALL.iter().map(|v| v.as_str()).collect(),
            ));
            keys.extend(coded(
                "offer",
                Offer::ALL.iter().map(|v| v.as_str()).collect(),
            ));
            keys.extend(coded(
                "volunteer-kind",
                VolunteerKind::ALL.iter().map(|v| v.as_str()).collect(),
            ));
            keys.extend(coded(
                "skill",
                Skill::ALL.iter().map(|v| v.as_str()).collect(),
            ));
            keys.extend(coded(
                "lang",
                Language::ALL.iter().map(|v| v.as_str()).collect(),
            ));
        }
        // Labels and hints passed to `_input.html` (`label_key`, `hint_key`).
        for text in &sources {
            for marker in ["label_key = \"", "hint_key = \""] {
                for part in text.split(marker).skip(1) {
                    let key = part.split('"').next().unwrap();
                    if !key.is_empty() {
                        keys.push(key.to_owned());
                    }
                }
            }
        }
        for l in [
            AreaLevel::District,
            AreaLevel::Subdistrict,
            AreaLevel::Village,
        ] {
            keys.push(format!("children-{}", l.as_str()));
            keys.push(format!("level-{}", l.as_str()));
        }
        for lang in [Lang::Th, Lang::En] {
            for key in &keys {
                assert!(
                    LOCALES.try_lookup(lang.id(), key).is_some(),
                    "{key} missing in {lang:?}"
                );
            }
        }
    }

    #[test]
    fn messages_are_localised_with_fallbacks() {
        assert_eq!(Lang::Th.t("nav-areas"), "พื้นที่");
        assert_eq!(Lang::En.t("nav-areas"), "Areas");
        assert_eq!(
            Lang::En.error("invalid_email"),
            "Enter a valid e-mail address."
        );
        assert_eq!(Lang::En.error("no_such_code"), Lang::En.t("err-invalid"));
        assert_eq!(
            Lang::from_accept_language("en-GB,en;q=0.9,th;q=0.5"),
            Lang::En
        );
        assert_eq!(Lang::from_accept_language("th-TH,en;q=0.5"), Lang::Th);
        assert_eq!(Lang::from_accept_language(""), Lang::Th);
    }
}
