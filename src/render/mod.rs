//! Rendering. The low half knows nothing of notices: display lists
//! ([`display`]), fonts ([`fonts`]), text placement ([`layout`]) and the PDF
//! writer ([`pdf`]). The notice half lays out a packet: its inputs
//! ([`notice`]), the printability policy ([`printable`]), the letter
//! ([`letter`]), the residence-period letter ([`residence`]) and
//! enclosures ([`forms`]), and the packet ([`packet`]).
//! The mail room's pages (bundle slips, count sheet, piece marks) are
//! [`mailroom`]; the Data Matrix codes on every sheet and in the window are
//! `marks`.

pub mod display;
pub mod fonts;
pub(crate) mod forms;
pub(crate) mod layout;
pub(crate) mod letter;
pub(crate) mod mailroom;
pub(crate) mod marks;
pub(crate) mod notice;
pub(crate) mod packet;
pub mod pdf;
pub mod printable;
pub(crate) mod residence;
