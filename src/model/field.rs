//! The fields kigen reads from the registry export.

/// The fields kigen reads from the export (SPEC 1's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Field {
    /// 住民コード: the registry's resident key (never the 個人番号).
    ResidentCode,
    /// 氏名.
    Name,
    /// 氏名カナ.
    NameKana,
    /// 生年月日.
    BirthDate,
    /// 住民状態.
    Status,
    /// 郵便番号.
    PostalCode,
    /// 住所.
    Address,
    /// 方書 (building / room).
    AddressExtra,
    /// カード申請日.
    CardApplied,
    /// カード発行日.
    CardIssued,
    /// カード有効期限.
    CardExpiry,
    /// 利用者証明用電子証明書発行日.
    UserCertIssued,
    /// 利用者証明用電子証明書有効期限.
    UserCertExpiry,
    /// 署名用電子証明書発行日.
    SignCertIssued,
    /// 署名用電子証明書有効期限.
    SignCertExpiry,
    /// 在留期間満了日.
    StayEnd,
    /// 転送不要.
    NonForwardable,
    /// 法定代理人氏名.
    LegalRepresentative,
    /// 送付先郵便番号 (SPEC 9: where the letter goes instead of the address).
    MailToPostalCode,
    /// 送付先住所.
    MailToAddress,
    /// 送付先方書.
    MailToAddressExtra,
    /// 送付先氏名 (printed as `<name> 様方` above the resident's name).
    MailToName,
    /// 支援措置 (DV and similar protection: a due notice is held).
    SupportMeasure,
    /// The card's kind (SPEC 15: mapped by `[card_kinds]`).
    CardKind,
}

/// A required field: its header must be present and its value non-empty
/// for a 住民 row.
const REQUIRED: bool = true;
/// An optional field.
const OPTIONAL: bool = false;

/// What kigen knows of a field, in one row of [`FIELDS`].
struct FieldInfo {
    field: Field,
    /// The profile key under `[columns]`.
    key: &'static str,
    /// The default header name (SPEC 1); empty for the SPEC 9 items (送付先,
    /// 支援措置), which a profile maps by name or not at all.
    default_header: &'static str,
    required: bool,
}

impl FieldInfo {
    const fn new(
        field: Field,
        key: &'static str,
        default_header: &'static str,
        required: bool,
    ) -> Self {
        FieldInfo {
            field,
            key,
            default_header,
            required,
        }
    }
}

/// Every field, in SPEC order (the enum's order: a field's row is at its
/// [`Field::index`]). A new field is a variant and a row here.
const FIELDS: [FieldInfo; Field::COUNT] = [
    FieldInfo::new(Field::ResidentCode, "resident_code", "住民コード", REQUIRED),
    FieldInfo::new(Field::Name, "name", "氏名", REQUIRED),
    FieldInfo::new(Field::NameKana, "name_kana", "氏名カナ", OPTIONAL),
    FieldInfo::new(Field::BirthDate, "birth_date", "生年月日", REQUIRED),
    FieldInfo::new(Field::Status, "status", "住民状態", REQUIRED),
    FieldInfo::new(Field::PostalCode, "postal_code", "郵便番号", REQUIRED),
    FieldInfo::new(Field::Address, "address", "住所", REQUIRED),
    FieldInfo::new(Field::AddressExtra, "address_extra", "方書", OPTIONAL),
    FieldInfo::new(Field::CardApplied, "card_applied", "カード申請日", OPTIONAL),
    FieldInfo::new(Field::CardIssued, "card_issued", "カード発行日", OPTIONAL),
    FieldInfo::new(Field::CardExpiry, "card_expiry", "カード有効期限", OPTIONAL),
    FieldInfo::new(
        Field::UserCertIssued,
        "user_cert_issued",
        "利用者証明用電子証明書発行日",
        OPTIONAL,
    ),
    FieldInfo::new(
        Field::UserCertExpiry,
        "user_cert_expiry",
        "利用者証明用電子証明書有効期限",
        OPTIONAL,
    ),
    FieldInfo::new(
        Field::SignCertIssued,
        "sign_cert_issued",
        "署名用電子証明書発行日",
        OPTIONAL,
    ),
    FieldInfo::new(
        Field::SignCertExpiry,
        "sign_cert_expiry",
        "署名用電子証明書有効期限",
        OPTIONAL,
    ),
    FieldInfo::new(Field::StayEnd, "stay_end", "在留期間満了日", OPTIONAL),
    FieldInfo::new(
        Field::NonForwardable,
        "non_forwardable",
        "転送不要",
        OPTIONAL,
    ),
    FieldInfo::new(
        Field::LegalRepresentative,
        "legal_representative",
        "法定代理人氏名",
        OPTIONAL,
    ),
    FieldInfo::new(Field::MailToPostalCode, "mail_to_postal_code", "", OPTIONAL),
    FieldInfo::new(Field::MailToAddress, "mail_to_address", "", OPTIONAL),
    FieldInfo::new(
        Field::MailToAddressExtra,
        "mail_to_address_extra",
        "",
        OPTIONAL,
    ),
    FieldInfo::new(Field::MailToName, "mail_to_name", "", OPTIONAL),
    FieldInfo::new(Field::SupportMeasure, "support_measure", "", OPTIONAL),
    FieldInfo::new(Field::CardKind, "card_kind", "", OPTIONAL),
];

/// [`Field::ALL`], from the table (and the check that each row sits at its
/// field's index).
const fn all_fields() -> [Field; Field::COUNT] {
    let mut all = [Field::ResidentCode; Field::COUNT];
    let mut i = 0;
    while i < Field::COUNT {
        assert!(FIELDS[i].field as usize == i, "FIELDS is out of order");
        all[i] = FIELDS[i].field;
        i += 1;
    }
    all
}

impl Field {
    /// Every field, in SPEC order (also the order in which a row's problems
    /// are reported).
    pub(crate) const ALL: [Field; Field::COUNT] = all_fields();

    /// How many fields there are.
    pub(crate) const COUNT: usize = 24;

    /// The fields a card file provides instead of the registry (SPEC 9:
    /// with `--cards`, the registry's own card columns are not read).
    pub(crate) const CARD_DATES: [Field; 7] = [
        Field::CardApplied,
        Field::CardIssued,
        Field::CardExpiry,
        Field::UserCertIssued,
        Field::UserCertExpiry,
        Field::SignCertIssued,
        Field::SignCertExpiry,
    ];

    const fn info(self) -> &'static FieldInfo {
        &FIELDS[self.index()]
    }

    /// The profile key under `[columns]`.
    pub(crate) const fn key(self) -> &'static str {
        self.info().key
    }

    /// The field whose profile key is `key`.
    pub(crate) fn from_key(key: &str) -> Option<Field> {
        FIELDS.iter().find(|i| i.key == key).map(|i| i.field)
    }

    /// The default header name (SPEC 1). The SPEC 9 items (送付先,
    /// 支援措置) have none: a profile maps them by name or not at all.
    pub(crate) const fn default_header(self) -> &'static str {
        self.info().default_header
    }

    /// Whether the header must be present and the value non-empty for a 住民 row.
    pub(crate) const fn required(self) -> bool {
        self.info().required
    }

    /// True for a card date field (see [`Field::CARD_DATES`]).
    pub(crate) fn is_card_date(self) -> bool {
        Field::CARD_DATES.contains(&self)
    }

    /// True when a profile may leave the field unmapped (an empty header
    /// name): the SPEC 9 items, which exports before the standard lack.
    pub(crate) fn may_be_unmapped(self) -> bool {
        self.default_header().is_empty()
    }

    /// The field's position in [`Field::ALL`].
    pub(crate) const fn index(self) -> usize {
        self as usize
    }
}
