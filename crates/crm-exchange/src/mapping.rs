//! Which column of a file fills which field: guessed from the headers (in
//! English, Chinese, Spanish or Japanese, and as address books export
//! them), adjustable by the user.

use std::fmt;

use crm_domain::{Email, EntityKind, Phone};
use crm_store::duplicates::fold;
use serde::{Serialize, Serializer};

use crate::{
    error::{ExchangeError, Result},
    source::TableRow,
};

/// Where a column's values go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// A field of the record, by its name in the field table.
    Field(&'static str),
    /// The first (given) name, joined with the last name into `name`.
    FirstName,
    /// The last (family) name.
    LastName,
    /// Contacts: the company, found among the accounts or made.
    Account,
    /// The responsible rep, by name or email.
    Owner,
}

impl Target {
    /// The name users write in a mapping.
    pub fn name(&self) -> &'static str {
        match self {
            Target::Field(name) => name,
            Target::FirstName => "first_name",
            Target::LastName => "last_name",
            Target::Account => "account",
            Target::Owner => "owner",
        }
    }

    /// Whether several columns add to the field instead of the first winning.
    pub fn is_list(&self) -> bool {
        matches!(self, Target::Field("emails" | "phones" | "tags"))
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Target {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// What a column means, whatever the kind of record: turned into a
/// [`Target`] per kind by [`target`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Concept {
    Name,
    FirstName,
    LastName,
    Company,
    Title,
    Email,
    Phone,
    Address,
    Region,
    Industry,
    Website,
    Notes,
    Source,
    Status,
    Score,
    Tags,
    Size,
    Kind,
    Lifecycle,
    Owner,
    Channel,
    DisqualifyReason,
}

/// Headers as folded words without spaces or punctuation, by concept.
const HEADERS: &[(Concept, &[&str])] = &[
    (
        Concept::Name,
        &[
            "name",
            "fullname",
            "contactname",
            "contact",
            "person",
            "displayname",
            "姓名",
            "名字",
            "联系人",
            "联系人姓名",
            "客户姓名",
            "氏名",
            "名前",
            "お名前",
            "nombre",
            "nombrecompleto",
            "nombreyapellidos",
            "contacto",
            "persona",
        ],
    ),
    (
        Concept::FirstName,
        &["firstname", "givenname", "forename", "名", "nombredepila"],
    ),
    (
        Concept::LastName,
        &[
            "lastname",
            "surname",
            "familyname",
            "姓",
            "姓氏",
            "apellido",
            "apellidos",
        ],
    ),
    (
        Concept::Company,
        &[
            "company",
            "companyname",
            "organizationname",
            "organisationname",
            "organization",
            "organisation",
            "org",
            "account",
            "accountname",
            "employer",
            "business",
            "公司",
            "公司名称",
            "单位",
            "单位名称",
            "企业",
            "企业名称",
            "工作单位",
            "客户名称",
            "机构",
            "会社名",
            "会社",
            "勤務先",
            "empresa",
            "compania",
            "organizacion",
            "razonsocial",
            "nombreempresa",
            "nombredelaempresa",
            "cliente",
        ],
    ),
    (
        Concept::Title,
        &[
            "title",
            "jobtitle",
            "position",
            "role",
            "organizationtitle",
            "职位",
            "职务",
            "头衔",
            "岗位",
            "役職",
            "cargo",
            "puesto",
        ],
    ),
    (
        Concept::Email,
        &[
            "email",
            "emails",
            "emailaddress",
            "primaryemail",
            "secondaryemail",
            "mail",
            "邮箱",
            "电子邮件",
            "电子邮箱",
            "邮件",
            "电邮",
            "メールアドレス",
            "メール",
            "eメール",
            "correo",
            "correoelectronico",
            "email1",
            "email2",
        ],
    ),
    (
        Concept::Phone,
        &[
            "phone",
            "phones",
            "phonenumber",
            "telephone",
            "tel",
            "mobile",
            "mobilephone",
            "cell",
            "cellphone",
            "workphone",
            "businessphone",
            "homephone",
            "primaryphone",
            "otherphone",
            "companymainphone",
            "carphone",
            "mobilenumber",
            "homephonenumber",
            "workphonenumber",
            "mobilephonenumber",
            "officephone",
            "电话",
            "手机",
            "手机号",
            "手机号码",
            "联系电话",
            "电话号码",
            "移动电话",
            "座机",
            "办公电话",
            "電話番号",
            "電話",
            "携帯電話",
            "携帯番号",
            "携帯",
            "telefono",
            "movil",
            "celular",
            "telefonomovil",
            "telefonofijo",
            "tlf",
            "tfno",
        ],
    ),
    (
        Concept::Address,
        &[
            "address",
            "streetaddress",
            "businessstreet",
            "workaddress",
            "addressformatted",
            "businessaddress",
            "地址",
            "公司地址",
            "通讯地址",
            "住所",
            "direccion",
            "domicilio",
        ],
    ),
    (
        Concept::Region,
        &[
            "region",
            "city",
            "state",
            "province",
            "area",
            "territory",
            "businesscity",
            "workcity",
            "addresscity",
            "地区",
            "城市",
            "省份",
            "区域",
            "所在地",
            "ciudad",
            "provincia",
            "localidad",
            "zona",
        ],
    ),
    (
        Concept::Industry,
        &["industry", "sector", "行业", "所属行业", "industria"],
    ),
    (
        Concept::Website,
        &[
            "website",
            "web",
            "url",
            "homepage",
            "webpage",
            "site",
            "网站",
            "网址",
            "主页",
            "sitioweb",
            "paginaweb",
        ],
    ),
    (
        Concept::Notes,
        &[
            "notes",
            "note",
            "comments",
            "comment",
            "remarks",
            "description",
            "备注",
            "说明",
            "描述",
            "備考",
            "メモ",
            "notas",
            "nota",
            "observaciones",
            "comentarios",
        ],
    ),
    (
        Concept::Source,
        &[
            "source",
            "leadsource",
            "来源",
            "线索来源",
            "渠道",
            "origen",
            "fuente",
        ],
    ),
    (Concept::Status, &["status", "leadstatus", "状态", "estado"]),
    (
        Concept::Score,
        &["score", "leadscore", "rating", "评分", "分数", "puntuacion"],
    ),
    (
        Concept::Tags,
        &["tags", "labels", "categories", "标签", "etiquetas"],
    ),
    (
        Concept::Size,
        &[
            "size",
            "companysize",
            "employees",
            "规模",
            "公司规模",
            "人数",
            "tamano",
            "empleados",
        ],
    ),
    (
        Concept::Kind,
        &["kind", "type", "accounttype", "类型", "tipo"],
    ),
    (
        Concept::Lifecycle,
        &["lifecycle", "客户状态", "ciclodevida"],
    ),
    (
        Concept::Owner,
        &[
            "owner",
            "rep",
            "salesrep",
            "accountowner",
            "负责人",
            "所有者",
            "销售代表",
            "propietario",
            "responsable",
            "comercial",
        ],
    ),
    (
        Concept::Channel,
        &["preferredchannel", "首选渠道", "canalpreferido"],
    ),
    (Concept::DisqualifyReason, &["disqualifyreason"]),
];

/// A header folded to compare: lower case, no accents, no spaces or
/// punctuation.
fn header_key(header: &str) -> String {
    fold(header)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// What a folded header means, if it is one we know.
fn concept_of_key(key: &str) -> Option<Concept> {
    HEADERS
        .iter()
        .find(|(_, names)| names.contains(&key))
        .map(|(c, _)| *c)
}

/// What a header means, if it is one we know. The numbered columns of
/// address books count as the plain ones: Google's `E-mail 1 - Value`,
/// `Phone 2 - Value` and `Organization 1 - Name`, Outlook's `E-mail 2
/// Address` and `Business Phone 2`, Thunderbird's `Web Page 1`.
pub(crate) fn concept_of(header: &str) -> Option<Concept> {
    let key = header_key(header);
    concept_of_key(&key).or_else(|| {
        let plain: String = key
            .strip_suffix("value")
            .unwrap_or(&key)
            .chars()
            .filter(|c| !c.is_ascii_digit())
            .collect();
        (plain != key).then(|| concept_of_key(&plain)).flatten()
    })
}

/// Where values of `concept` go in a record of `entity`, if anywhere.
pub(crate) fn target(entity: EntityKind, concept: Concept) -> Option<Target> {
    use Concept as C;
    use EntityKind as E;
    use Target::Field as F;
    Some(match (entity, concept) {
        (E::Account, C::Name | C::Company) => F("name"),
        (_, C::Name) => F("name"),
        (E::Lead | E::Contact, C::FirstName) => Target::FirstName,
        (E::Lead | E::Contact, C::LastName) => Target::LastName,
        (E::Lead, C::Company) => F("company"),
        (E::Contact, C::Company) => Target::Account,
        (E::Lead | E::Contact, C::Title) => F("title"),
        (E::Contact, C::Email) => F("emails"),
        (E::Contact, C::Phone) => F("phones"),
        (E::Lead | E::Account, C::Email) => F("email"),
        (E::Lead | E::Account, C::Phone) => F("phone"),
        (E::Account, C::Address) => F("address"),
        (E::Account, C::Region) => F("region"),
        (E::Account, C::Industry) => F("industry"),
        (E::Account, C::Website) => F("website"),
        (E::Account, C::Tags) => F("tags"),
        (E::Account, C::Size) => F("size"),
        (E::Account, C::Kind) => F("kind"),
        (E::Account, C::Lifecycle | C::Status) => F("lifecycle"),
        (E::Lead, C::Source) => F("source"),
        (E::Lead, C::Status) => F("status"),
        (E::Lead, C::Score) => F("score"),
        (E::Lead, C::DisqualifyReason) => F("disqualify_reason"),
        (E::Account | E::Lead, C::Owner) => Target::Owner,
        (E::Contact, C::Channel) => F("preferred_channel"),
        (_, C::Notes) => F("notes"),
        _ => return None,
    })
}

/// Every target a user may map a column of `entity` to.
pub fn targets(entity: EntityKind) -> Vec<Target> {
    let mut all: Vec<Target> = Vec::new();
    let concepts = [
        Concept::Name,
        Concept::FirstName,
        Concept::LastName,
        Concept::Company,
        Concept::Title,
        Concept::Email,
        Concept::Phone,
        Concept::Address,
        Concept::Region,
        Concept::Industry,
        Concept::Website,
        Concept::Source,
        Concept::Status,
        Concept::Score,
        Concept::Tags,
        Concept::Size,
        Concept::Kind,
        Concept::Lifecycle,
        Concept::Owner,
        Concept::Channel,
        Concept::DisqualifyReason,
        Concept::Notes,
    ];
    for c in concepts {
        if let Some(t) = target(entity, c)
            && !all.contains(&t)
        {
            all.push(t);
        }
    }
    all
}

/// A target by the name a user wrote (`email`, `company`, `手机` too: any
/// header we would recognise).
fn parse_target(entity: EntityKind, text: &str) -> Option<Target> {
    let key = text.trim();
    targets(entity)
        .into_iter()
        .find(|t| t.name() == key)
        .or_else(|| concept_of(key).and_then(|c| target(entity, c)))
}

/// One column and where it goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    /// 1 for the first column.
    pub number: usize,
    /// Its header.
    pub header: String,
    /// Where its values go; `None` leaves it out.
    pub target: Option<Target>,
    /// Whether the target was guessed (rather than given by the user).
    pub guessed: bool,
}

/// Guess where each column goes from its header.
pub fn guess(entity: EntityKind, headers: &[String]) -> Vec<Column> {
    let mut columns: Vec<Column> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| Column {
            number: i + 1,
            header: h.clone(),
            target: concept_of(h).and_then(|c| target(entity, c)),
            guessed: true,
        })
        .collect();
    // Outlook writes the courtesy title (Mr., Ms.) as `Title` next to
    // `Job Title`: only the job goes to the record.
    let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
    if keys.iter().any(|k| k == "jobtitle") {
        for (column, key) in columns.iter_mut().zip(&keys) {
            if key == "title" {
                column.target = None;
            }
        }
    }
    // Spanish `Nombre` next to `Apellidos` is the given name only.
    let has = |cols: &[Column], t: Target| cols.iter().any(|c| c.target == Some(t));
    if has(&columns, Target::LastName) && !has(&columns, Target::FirstName) {
        let name = columns
            .iter_mut()
            .find(|c| c.target == Some(Target::Field("name")));
        if let Some(c) = name {
            c.target = Some(Target::FirstName);
        }
    }
    columns
}

/// Guess where the columns of a file without a header line go from their
/// values: a column of e-mail addresses, one of phone numbers, and the first
/// column of words as the name. Other columns are left out, for the user to
/// map by number (`3=company`).
pub fn guess_from_values(entity: EntityKind, headers: &[String], rows: &[TableRow]) -> Vec<Column> {
    let sample = &rows[..rows.len().min(50)];
    let mut named = false;
    headers
        .iter()
        .enumerate()
        .map(|(i, header)| {
            let values: Vec<&str> = sample
                .iter()
                .filter_map(|r| r.cells.get(i))
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .collect();
            let all =
                |holds: fn(&str) -> bool| !values.is_empty() && values.iter().all(|v| holds(v));
            let concept = if all(|v| v.parse::<Email>().is_ok()) {
                Some(Concept::Email)
            } else if all(|v| v.parse::<Phone>().is_ok()) {
                Some(Concept::Phone)
            } else if !named && all(|v| v.chars().any(char::is_alphabetic)) {
                named = true;
                Some(Concept::Name)
            } else {
                None
            };
            Column {
                number: i + 1,
                header: header.clone(),
                target: concept.and_then(|c| target(entity, c)),
                guessed: true,
            }
        })
        .collect()
}

/// Apply the user's mapping to guessed `columns`. The mapping is
/// `COLUMN=FIELD` pairs separated by commas or new lines, where COLUMN is a
/// header or a column number and FIELD a field name, or `-`/`ignore` to
/// leave the column out. Given as a path to a file, the file is read.
pub fn adjust(entity: EntityKind, columns: &mut [Column], mapping: &str) -> Result<()> {
    let path = std::path::Path::new(mapping.trim());
    let owned;
    let text = if !mapping.contains('=') && path.is_file() {
        owned = std::fs::read_to_string(path).map_err(|source| ExchangeError::File {
            path: path.to_owned(),
            source,
        })?;
        owned.as_str()
    } else {
        mapping
    };
    for pair in text
        .split(['\n', ','])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let Some((column, field)) = pair.rsplit_once('=') else {
            return Err(ExchangeError::NotAPair(pair.to_owned()));
        };
        let (column, field) = (column.trim(), field.trim());
        let wanted = header_key(column);
        let index = columns
            .iter()
            .position(|c| c.header.trim() == column)
            .or_else(|| columns.iter().position(|c| header_key(&c.header) == wanted))
            .or_else(|| {
                column
                    .trim_start_matches('#')
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=columns.len()).contains(n))
                    .map(|n| n - 1)
            })
            .ok_or_else(|| {
                let names: Vec<&str> = columns.iter().map(|c| c.header.as_str()).collect();
                ExchangeError::NoColumn {
                    column: column.to_owned(),
                    columns: names.join(", "),
                }
            })?;
        let target = if matches!(field, "" | "-" | "ignore") {
            None
        } else {
            Some(parse_target(entity, field).ok_or_else(|| {
                let names: Vec<&str> = targets(entity).iter().map(Target::name).collect();
                ExchangeError::NotAField {
                    field: field.to_owned(),
                    entity,
                    allowed: names.join(", "),
                }
            })?)
        };
        columns[index].target = target;
        columns[index].guessed = false;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| (*s).to_owned()).collect()
    }

    fn targets_of(cols: &[Column]) -> Vec<Option<&'static str>> {
        cols.iter().map(|c| c.target.map(|t| t.name())).collect()
    }

    #[test]
    fn chinese_business_card_headers() {
        let cols = guess(
            EntityKind::Lead,
            &headers(&["姓名", "公司", "职位", "手机", "电子邮箱", "备注", "传真"]),
        );
        assert_eq!(
            targets_of(&cols),
            [
                Some("name"),
                Some("company"),
                Some("title"),
                Some("phone"),
                Some("email"),
                Some("notes"),
                None
            ]
        );
    }

    #[test]
    fn spanish_headers_with_accents_and_split_names() {
        let cols = guess(
            EntityKind::Contact,
            &headers(&[
                "Nombre",
                "Apellidos",
                "Empresa",
                "Teléfono",
                "Correo electrónico",
            ]),
        );
        assert_eq!(
            targets_of(&cols),
            [
                Some("first_name"),
                Some("last_name"),
                Some("account"),
                Some("phones"),
                Some("emails")
            ]
        );
    }

    #[test]
    fn english_headers_for_accounts() {
        let cols = guess(
            EntityKind::Account,
            &headers(&[
                "Company Name",
                "Industry",
                "City",
                "Web site",
                "E-mail",
                "id",
            ]),
        );
        assert_eq!(
            targets_of(&cols),
            [
                Some("name"),
                Some("industry"),
                Some("region"),
                Some("website"),
                Some("email"),
                None
            ]
        );
    }

    #[test]
    fn address_book_exports_are_recognised() {
        let contact = |h: &[&str]| targets_of(&guess(EntityKind::Contact, &headers(h)));
        // Google Contacts, the layout used until 2023.
        assert_eq!(
            contact(&[
                "Name",
                "Given Name",
                "Family Name",
                "E-mail 1 - Type",
                "E-mail 1 - Value",
                "Phone 2 - Value",
                "Organization 1 - Name",
                "Organization 1 - Title",
                "Organization 1 - Yomi Name",
            ]),
            [
                Some("name"),
                Some("first_name"),
                Some("last_name"),
                None,
                Some("emails"),
                Some("phones"),
                Some("account"),
                Some("title"),
                None
            ]
        );
        // Google Contacts now.
        assert_eq!(
            contact(&[
                "First Name",
                "Middle Name",
                "Last Name",
                "Organization Name",
                "Organization Title",
                "E-mail 1 - Label",
                "E-mail 1 - Value",
                "Phone 1 - Value",
            ]),
            [
                Some("first_name"),
                None,
                Some("last_name"),
                Some("account"),
                Some("title"),
                None,
                Some("emails"),
                Some("phones")
            ]
        );
        // Outlook: `Title` is Mr./Ms. when `Job Title` is there.
        assert_eq!(
            contact(&[
                "Title",
                "First Name",
                "Company",
                "Job Title",
                "Business Phone",
                "Business Phone 2",
                "Mobile Phone",
                "Business Fax",
                "E-mail Address",
                "E-mail 2 Address",
                "E-mail Display Name",
            ]),
            [
                None,
                Some("first_name"),
                Some("account"),
                Some("title"),
                Some("phones"),
                Some("phones"),
                Some("phones"),
                None,
                Some("emails"),
                Some("emails"),
                None
            ]
        );
        // Thunderbird.
        assert_eq!(
            contact(&[
                "Display Name",
                "Primary Email",
                "Secondary Email",
                "Work Phone",
                "Mobile Number",
                "Fax Number",
                "Organization",
                "Web Page 1",
            ]),
            [
                Some("name"),
                Some("emails"),
                Some("emails"),
                Some("phones"),
                Some("phones"),
                None,
                Some("account"),
                None
            ]
        );
        // LinkedIn's Connections.csv.
        assert_eq!(
            contact(&[
                "First Name",
                "Last Name",
                "URL",
                "Email Address",
                "Company",
                "Position",
                "Connected On",
            ]),
            [
                Some("first_name"),
                Some("last_name"),
                None,
                Some("emails"),
                Some("account"),
                Some("title"),
                None
            ]
        );
    }

    #[test]
    fn the_user_adjusts_by_header_or_number() {
        let mut cols = guess(
            EntityKind::Lead,
            &headers(&["Contacto", "Org", "Notas", "Extra"]),
        );
        adjust(EntityKind::Lead, &mut cols, "Notas=-, 4=source,org=company").unwrap();
        assert_eq!(
            targets_of(&cols),
            [Some("name"), Some("company"), None, Some("source")]
        );
        assert!(!cols[3].guessed);
        let err = adjust(EntityKind::Lead, &mut cols, "Nope=name").unwrap_err();
        assert!(err.to_string().contains("no column \"Nope\""), "{err}");
        let err = adjust(EntityKind::Lead, &mut cols, "Extra=industry").unwrap_err();
        assert!(err.to_string().contains("not a field of leads"), "{err}");
    }
}
