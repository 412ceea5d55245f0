//! Quarantine reasons and field-level issue codes.

/// Why a row was quarantined. The code is stable (researchers filter on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    MalformedRow,
    MissingKey,
    InvalidKey,
    MissingRequired,
    Unparseable,
    UnknownRegion,
    UnknownEnum,
    BadMoney,
    DateOrder,
    StatusDates,
}

impl Reason {
    pub fn code(self) -> &'static str {
        match self {
            Reason::MalformedRow => "malformed_row",
            Reason::MissingKey => "missing_key",
            Reason::InvalidKey => "invalid_key",
            Reason::MissingRequired => "missing_required",
            Reason::Unparseable => "unparseable",
            Reason::UnknownRegion => "unknown_region",
            Reason::UnknownEnum => "unknown_enum",
            Reason::BadMoney => "bad_money",
            Reason::DateOrder => "date_order",
            Reason::StatusDates => "status_dates",
        }
    }
    pub const ALL: [Reason; 10] = [
        Reason::MalformedRow,
        Reason::MissingKey,
        Reason::InvalidKey,
        Reason::MissingRequired,
        Reason::Unparseable,
        Reason::UnknownRegion,
        Reason::UnknownEnum,
        Reason::BadMoney,
        Reason::DateOrder,
        Reason::StatusDates,
    ];
}

/// A bad value in an optional column: set to missing and counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Issue {
    InvalidUscc,
    UnknownRegion,
    UnknownEnum,
    Unparseable,
    NotApplicable,
    UnknownPlatform,
    UnknownColumn,
}

impl Issue {
    pub const ALL: [Issue; 7] = [
        Issue::InvalidUscc,
        Issue::UnknownRegion,
        Issue::UnknownEnum,
        Issue::Unparseable,
        Issue::NotApplicable,
        Issue::UnknownPlatform,
        Issue::UnknownColumn,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Issue::InvalidUscc => "invalid_uscc",
            Issue::UnknownRegion => "unknown_region",
            Issue::UnknownEnum => "unknown_enum",
            Issue::Unparseable => "unparseable",
            Issue::NotApplicable => "not_applicable",
            Issue::UnknownPlatform => "unknown_platform",
            Issue::UnknownColumn => "unknown_column",
        }
    }
}
