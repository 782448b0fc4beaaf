//! List replies: `{"items":[...],"end":{"count","more","next",...}}`, for
//! track pages, albums, event pages and batches.

use serde::Serialize;

use super::event::{event_json, EventBody, EventJson, TrackJson};
use super::reply::{Reply, Status};
use super::{BytesMode, ErrorJson};
use crate::{AlbumSummary, ChangesPage, ErrorReply, Response, TrackPage};

/// A list reply: the items, then the trailer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct List {
    /// The items, in order.
    pub items: Vec<Item>,
    /// How many, and how to read on.
    pub end: End,
}

/// The trailer of a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct End {
    /// Items in this list.
    pub count: u64,
    /// Another page follows.
    pub more: bool,
    /// What to pass to read on (`offset`, `since_seq`); `null` when nothing follows.
    pub next: Option<u64>,
    /// `list_tracks`: tracks matching, all pages together.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// `changes`: the current seq.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_seq: Option<u64>,
}

/// One item of a list.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
#[allow(missing_docs)]
pub enum Item {
    Track(Box<TrackJson>),
    Album(AlbumJson),
    Event(EventJson),
    Reply(Box<Reply>),
    Error(ItemError),
}

/// An album of `list_albums`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[allow(missing_docs)] // the fields are documented on `AlbumSummary`
pub struct AlbumJson {
    pub artist: String,
    pub album: String,
    pub tracks: u64,
    pub year: Option<i32>,
}

/// A batch item that failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ItemError {
    /// Always `error`.
    pub status: Status,
    /// The error.
    #[serde(flatten)]
    pub error: ErrorJson,
}

fn end(count: usize, more: bool, next: Option<u64>) -> End {
    End {
        count: count as u64,
        more,
        next,
        total: None,
        current_seq: None,
    }
}

pub(super) fn tracks(page: &TrackPage) -> List {
    let shown = page.offset + page.tracks.len() as u64;
    let more = shown < page.total;
    List {
        items: page
            .tracks
            .iter()
            .map(|t| Item::Track(Box::new(TrackJson::from(t))))
            .collect(),
        end: End {
            total: Some(page.total),
            ..end(page.tracks.len(), more, more.then_some(shown))
        },
    }
}

pub(super) fn albums(albums: &[AlbumSummary]) -> List {
    List {
        items: albums
            .iter()
            .map(|a| {
                Item::Album(AlbumJson {
                    artist: a.artist.clone(),
                    album: a.album.clone(),
                    tracks: a.tracks,
                    year: a.year,
                })
            })
            .collect(),
        end: end(albums.len(), false, None),
    }
}

pub(super) fn changes(page: &ChangesPage) -> List {
    let items: Vec<Item> = if page.fresh_instance {
        vec![Item::Event(EventJson {
            seq: page.current_seq,
            body: EventBody::FreshInstance,
        })]
    } else {
        page.events
            .iter()
            .map(|f| Item::Event(event_json(f)))
            .collect()
    };
    let next = match (page.fresh_instance, page.events.last()) {
        (false, Some(last)) => last.seq,
        _ => page.current_seq,
    };
    List {
        end: End {
            current_seq: Some(page.current_seq),
            ..end(items.len(), page.more, Some(next))
        },
        items,
    }
}

pub(super) fn batch(items: &[Result<Response, ErrorReply>], mode: BytesMode) -> List {
    List {
        items: items
            .iter()
            .map(|r| match r {
                Ok(r) => Item::Reply(Box::new(Reply::new(r, mode))),
                Err(e) => Item::Error(ItemError {
                    status: Status::Error,
                    error: e.into(),
                }),
            })
            .collect(),
        end: end(items.len(), false, None),
    }
}
