//! The fields kigen reads from the registry export.

/// The fields kigen reads from the export (SPEC 1's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
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

impl Field {
    /// Every field, in SPEC order (also the order in which a row's problems
    /// are reported).
    pub const ALL: [Field; Field::COUNT] = [
        Field::ResidentCode,
        Field::Name,
        Field::NameKana,
        Field::BirthDate,
        Field::Status,
        Field::PostalCode,
        Field::Address,
        Field::AddressExtra,
        Field::CardApplied,
        Field::CardIssued,
        Field::CardExpiry,
        Field::UserCertIssued,
        Field::UserCertExpiry,
        Field::SignCertIssued,
        Field::SignCertExpiry,
        Field::StayEnd,
        Field::NonForwardable,
        Field::LegalRepresentative,
        Field::MailToPostalCode,
        Field::MailToAddress,
        Field::MailToAddressExtra,
        Field::MailToName,
        Field::SupportMeasure,
        Field::CardKind,
    ];

    /// How many fields there are.
    pub const COUNT: usize = 24;

    /// The fields a card file provides instead of the registry (SPEC 9:
    /// with `--cards`, the registry's own card columns are not read).
    pub const CARD_DATES: [Field; 7] = [
        Field::CardApplied,
        Field::CardIssued,
        Field::CardExpiry,
        Field::UserCertIssued,
        Field::UserCertExpiry,
        Field::SignCertIssued,
        Field::SignCertExpiry,
    ];

    /// The profile key under `[columns]`.
    pub fn key(self) -> &'static str {
        match self {
            Field::ResidentCode => "resident_code",
            Field::Name => "name",
            Field::NameKana => "name_kana",
            Field::BirthDate => "birth_date",
            Field::Status => "status",
            Field::PostalCode => "postal_code",
            Field::Address => "address",
            Field::AddressExtra => "address_extra",
            Field::CardApplied => "card_applied",
            Field::CardIssued => "card_issued",
            Field::CardExpiry => "card_expiry",
            Field::UserCertIssued => "user_cert_issued",
            Field::UserCertExpiry => "user_cert_expiry",
            Field::SignCertIssued => "sign_cert_issued",
            Field::SignCertExpiry => "sign_cert_expiry",
            Field::StayEnd => "stay_end",
            Field::NonForwardable => "non_forwardable",
            Field::LegalRepresentative => "legal_representative",
            Field::MailToPostalCode => "mail_to_postal_code",
            Field::MailToAddress => "mail_to_address",
            Field::MailToAddressExtra => "mail_to_address_extra",
            Field::MailToName => "mail_to_name",
            Field::SupportMeasure => "support_measure",
            Field::CardKind => "card_kind",
        }
    }

    /// The default header name (SPEC 1). The SPEC 9 items (送付先,
    /// 支援措置) have none: a profile maps them by name or not at all.
    pub fn default_header(self) -> &'static str {
        match self {
            Field::ResidentCode => "住民コード",
            Field::Name => "氏名",
            Field::NameKana => "氏名カナ",
            Field::BirthDate => "生年月日",
            Field::Status => "住民状態",
            Field::PostalCode => "郵便番号",
            Field::Address => "住所",
            Field::AddressExtra => "方書",
            Field::CardApplied => "カード申請日",
            Field::CardIssued => "カード発行日",
            Field::CardExpiry => "カード有効期限",
            Field::UserCertIssued => "利用者証明用電子証明書発行日",
            Field::UserCertExpiry => "利用者証明用電子証明書有効期限",
            Field::SignCertIssued => "署名用電子証明書発行日",
            Field::SignCertExpiry => "署名用電子証明書有効期限",
            Field::StayEnd => "在留期間満了日",
            Field::NonForwardable => "転送不要",
            Field::LegalRepresentative => "法定代理人氏名",
            Field::MailToPostalCode
            | Field::MailToAddress
            | Field::MailToAddressExtra
            | Field::MailToName
            | Field::SupportMeasure
            | Field::CardKind => "",
        }
    }

    /// Whether the header must be present and the value non-empty for a 住民 row.
    pub fn required(self) -> bool {
        matches!(
            self,
            Field::ResidentCode
                | Field::Name
                | Field::BirthDate
                | Field::Status
                | Field::PostalCode
                | Field::Address
        )
    }

    /// True for a card date field (see [`Field::CARD_DATES`]).
    pub fn is_card_date(self) -> bool {
        Field::CARD_DATES.contains(&self)
    }

    /// True when a profile may leave the field unmapped (an empty header
    /// name): the SPEC 9 items, which exports before the standard lack.
    pub fn may_be_unmapped(self) -> bool {
        self.default_header().is_empty()
    }

    /// The field's position in [`Field::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}
