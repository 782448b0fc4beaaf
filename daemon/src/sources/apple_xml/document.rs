//! The library document around the Tracks dict: the prolog, the top-level
//! dict with its header keys, Playlists and any other keys, and the end of
//! the document, all validated.
//!
//! It is read from the feed's window, which holds only part of the file,
//! so it is a state machine that can stop wherever the window ends and
//! pick up in the next one: [`Document::advance`] records, before each
//! step, a checkpoint where its state is consistent, and a step changes the
//! state only once it has read all it needs. A header key and its scalar
//! value are one step; a container value (Playlists) is skipped a token
//! at a time (see [`super::skip`]), so it never has to fit in the window.
//! Each step is an item of the lexer ([`Lexer::start_item`]), so a step
//! that would need more than the item limit (a hostile run of comments, a
//! huge key) fails instead of growing the window without end; whitespace
//! before a step is consumed with the step before.

use std::borrow::Cow;

use super::lexer::{Begun, Lexer, Place};
use super::skip::{self, Open};
use super::token::{Tag, Tok};
use super::track::open_tracks;
use super::values::{date_value, int_value, set, string_value};
use crate::sources::{LibraryError, LibraryMeta, Warnings};

/// Where reading the document stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Stage {
    /// Before `<plist>`.
    #[default]
    Prolog,
    /// Before the library `<dict>`.
    Root,
    /// Between two keys of the library dict.
    Dict,
    /// Inside a container value of a library dict key (`Document::skipping`).
    Skipping,
    /// Before `</plist>`.
    Epilogue,
    /// After `</plist>`: only the end of the file may follow.
    End,
}

/// Where [`Document::advance`] stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Reached {
    /// Just inside the Tracks `<dict>`.
    Tracks,
    /// The end of a complete document.
    End,
}

/// The state of reading a document, kept from one window to the next.
#[derive(Debug, Default)]
pub(super) struct Document {
    stage: Stage,
    /// The header read so far.
    meta: LibraryMeta,
    /// Values dropped so far, from the header and the tracks.
    warnings: Warnings,
    /// In [`Stage::Skipping`]: the key whose value is being skipped, and
    /// the containers still open in it.
    skip_key: String,
    skipping: Vec<Open<'static>>,
    /// Offset in the current input where the state was last consistent.
    checkpoint: usize,
}

impl Document {
    /// The header and the values dropped, once the document has been read.
    pub(super) fn finish(self) -> (LibraryMeta, Warnings) {
        (self.meta, self.warnings)
    }

    /// Adds the values dropped from the Tracks dict, read by the pipeline.
    pub(super) fn dropped_in_tracks(&mut self, warnings: Warnings) {
        self.warnings.merge(warnings);
    }

    /// Where to pick up after [`Self::advance`] ran out of input: the
    /// offset in that input up to which it was read for good.
    pub(super) fn checkpoint(&self) -> usize {
        self.checkpoint
    }

    /// Reads from `lx` as far as it goes: to just inside the Tracks dict,
    /// or to the end of the document. When the error is only that the input
    /// ran out ([`Lexer::ran_out`]), the state is that at the checkpoint.
    pub(super) fn advance(&mut self, lx: &mut Lexer<'_>) -> Result<Reached, LibraryError> {
        lx.set_place(match self.stage {
            Stage::Prolog => Place::Prolog,
            Stage::Root | Stage::Dict => Place::Header,
            Stage::Skipping => Place::TopValue(Cow::Owned(self.skip_key.clone())),
            Stage::Epilogue | Stage::End => Place::Epilogue,
        });
        loop {
            // Values dropped by the step before are kept: it is done.
            self.warnings.merge(lx.take_warnings());
            self.checkpoint = lx.start_item();
            match self.stage {
                Stage::Prolog => {
                    let tok = lx.next()?;
                    if tok != Tok::Open(Tag::Plist) {
                        return Err(lx.unexpected(tok, "the <plist> root element"));
                    }
                    lx.set_place(Place::Header);
                    self.stage = Stage::Root;
                }
                Stage::Root => {
                    let tok = lx.next()?;
                    if tok != Tok::Open(Tag::Dict) {
                        return Err(lx.unexpected(tok, "the library <dict> inside <plist>"));
                    }
                    self.stage = Stage::Dict;
                }
                Stage::Dict => {
                    if self.read_key(lx)? {
                        return Ok(Reached::Tracks);
                    }
                }
                Stage::Skipping => self.skip(lx)?,
                Stage::Epilogue => {
                    let tok = lx.next()?;
                    if tok != Tok::Close(Tag::Plist) {
                        return Err(lx.unexpected(tok, "</plist> after the library dict"));
                    }
                    self.stage = Stage::End;
                }
                Stage::End => return end(lx),
            }
        }
    }

    /// Reads one key of the library dict and its value, or the dict's
    /// `</dict>`. Header keys may come in any order, before or after
    /// `Tracks` and `Playlists`; the last well-typed value wins. True when
    /// the key is `Tracks` and its dict has entries to read.
    fn read_key(&mut self, lx: &mut Lexer<'_>) -> Result<bool, LibraryError> {
        match lx.next()? {
            Tok::Open(Tag::Key) => {}
            Tok::Close(Tag::Dict) => {
                lx.set_place(Place::Epilogue);
                self.stage = Stage::Epilogue;
                return Ok(false);
            }
            tok => return Err(lx.unexpected(tok, "<key> or </dict> in the library dict")),
        }
        let key = lx.text(Tag::Key)?;
        lx.set_place(Place::TopValue(key.clone()));
        let meta = &mut self.meta;
        match key.as_ref() {
            "Tracks" => {
                if open_tracks(lx)? {
                    lx.set_place(Place::Header);
                    self.warnings.merge(lx.take_warnings());
                    return Ok(true);
                }
            }
            "Major Version" => set(&mut meta.major_version, int_value(lx, &key)?),
            "Minor Version" => set(&mut meta.minor_version, int_value(lx, &key)?),
            "Application Version" => set(&mut meta.application_version, string_value(lx, &key)?),
            "Date" => set(&mut meta.export_date, date_value(lx, &key)?),
            "Music Folder" => set(&mut meta.music_folder, string_value(lx, &key)?),
            "Library Persistent ID" => {
                set(&mut meta.library_persistent_id, string_value(lx, &key)?)
            }
            _ => {
                let tok = lx.next()?;
                match lx.begin_value(tok, &key)? {
                    Some(Begun::Value(_)) => {}
                    Some(Begun::Container(tag)) => {
                        // The value may be bigger than the window: from here
                        // on it is skipped in steps that survive running out.
                        self.skipping = skip::start(tag, Cow::Owned(key.to_string()));
                        self.skip_key = key.into_owned();
                        self.stage = Stage::Skipping;
                        return Ok(false);
                    }
                    None => return Err(lx.no_value(&key, tok)),
                }
            }
        }
        lx.set_place(Place::Header);
        Ok(false)
    }

    /// Skips on through the container value of `skip_key`.
    fn skip<'a>(&mut self, lx: &mut Lexer<'a>) -> Result<(), LibraryError> {
        let mut stack: Vec<Open<'a>> = std::mem::take(&mut self.skipping);
        let mut resume = lx.pos();
        match lx.skip_open(&mut stack, &mut resume, true) {
            Ok(()) => {
                lx.set_place(Place::Header);
                self.stage = Stage::Dict;
                Ok(())
            }
            Err(e) => {
                self.checkpoint = resume;
                self.skipping = stack.into_iter().map(Open::into_owned).collect();
                Err(e)
            }
        }
    }
}

/// After `</plist>`: the end of the file, once it is known to be the end.
fn end(lx: &mut Lexer<'_>) -> Result<Reached, LibraryError> {
    match lx.next()? {
        // Only whitespace (or comments) so far, but the file goes on: read
        // more to see what follows.
        Tok::Eof if lx.more() => Err(lx.truncated()),
        Tok::Eof => Ok(Reached::End),
        tok => Err(lx.malformed_here(format!("{tok} after </plist>"))),
    }
}
