// TEMP-SHIM
pub(crate) fn invoice_of(_: &haat_db::ShopStore, _: &haat_db::OrderRecord) {}
