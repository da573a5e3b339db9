//! Rendering: layout produces display lists ([`display`]), [`pdf`] writes
//! them with the run's [`fonts`].

pub mod display;
pub mod fonts;
pub mod forms;
pub mod layout;
pub mod letter;
pub mod packet;
pub mod pdf;
