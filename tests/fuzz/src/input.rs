//! Structured values read from fuzzer bytes: each read takes what it needs from the front and
//! reads zeros once the bytes run out, so every input is some value (and a short input a small
//! one). The encoding is the corpus files' format for structured targets.

/// A cursor over the fuzzer's bytes.
pub struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Input(bytes)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        self.0
    }

    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }

    pub fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let head = self.bytes(N);
        out[..head.len()].copy_from_slice(head);
        out
    }

    pub fn u8(&mut self) -> u8 {
        self.array::<1>()[0]
    }
    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }
    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes(self.array())
    }
    pub fn u32(&mut self) -> u32 {
        u32::from_be_bytes(self.array())
    }
    pub fn u64(&mut self) -> u64 {
        u64::from_be_bytes(self.array())
    }
    pub fn i64(&mut self) -> i64 {
        i64::from_be_bytes(self.array())
    }

    /// One of `items` (the first when `items` has one or the bytes ran out).
    pub fn pick<'t, T>(&mut self, items: &'t [T]) -> &'t T {
        &items[usize::from(self.u8()) % items.len()]
    }

    /// A length-prefixed byte string (one length byte, at most `max`).
    pub fn blob(&mut self, max: usize) -> &'a [u8] {
        let len = usize::from(self.u8()) % (max + 1);
        self.bytes(len)
    }

    /// A length-prefixed string (invalid UTF-8 is replaced, so any bytes make some string).
    pub fn string(&mut self, max: usize) -> String {
        String::from_utf8_lossy(self.blob(max)).into_owned()
    }
}

/// Writes what [`Input`] reads (the corpus generator's side).
#[derive(Default)]
pub struct Output(pub Vec<u8>);

impl Output {
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }
    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.extend_from_slice(b);
        self
    }
    /// A length-prefixed byte string (at most 255 bytes).
    pub fn blob(&mut self, b: &[u8]) -> &mut Self {
        let len = u8::try_from(b.len()).expect("a blob of at most 255 bytes");
        self.0.push(len);
        self.0.extend_from_slice(b);
        self
    }
}
