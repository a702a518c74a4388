//! `application/x-www-form-urlencoded` bodies read leniently: a missing field is empty,
//! malformed encoding yields no fields, and every value is then parsed into a domain type
//! by the handler, which names the field at fault.

pub(crate) struct FormFields(Vec<(String, String)>);

impl FormFields {
    pub fn parse(body: &[u8]) -> FormFields {
        FormFields(serde_urlencoded::from_bytes(body).unwrap_or_default())
    }

    /// The first value of `name`, or `""`.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// A canonical byte string of every field but `skip`, for the request fingerprint.
    pub fn fingerprint(&self, skip: &[&str]) -> Vec<u8> {
        let mut fields: Vec<&(String, String)> = self
            .0
            .iter()
            .filter(|(key, _)| !skip.contains(&key.as_str()))
            .collect();
        fields.sort();
        let mut bytes = Vec::new();
        for (key, value) in fields {
            bytes.extend_from_slice(key.as_bytes());
            bytes.push(0);
            bytes.extend_from_slice(value.as_bytes());
            bytes.push(0);
        }
        bytes
    }
}
