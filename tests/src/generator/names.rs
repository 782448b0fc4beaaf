//! Word lists and the names, titles and file URLs made from them.
//!
//! The lists mix plain ASCII with the text real libraries hold: accents,
//! non-Latin scripts, emoji, and the `&`, `<`, `>` that exports must escape.

use std::fmt::Write as _;

use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

const FIRST: &[&str] = &[
    "Black", "Silver", "Velvet", "Golden", "Electric", "Midnight", "Crystal", "Wild", "Lazy",
    "Broken", "Northern", "Paper", "Neon", "Quiet", "Hollow", "Royal", "Little", "Burning",
    "Frozen", "Secret", "Crimson", "Lonely", "Cosmic", "Sunday", "Rusty", "Blue", "Savage",
];

const SECOND: &[&str] = &[
    "Keys",
    "Horses",
    "Lights",
    "Echoes",
    "Rivers",
    "Machines",
    "Tigers",
    "Saints",
    "Wolves",
    "Mountains",
    "Strangers",
    "Dreams",
    "Harbours",
    "Engines",
    "Ghosts",
    "Kids",
    "Roses",
    "Satellites",
    "Shadows",
    "Sparrows",
    "Giants",
    "Daughters",
    "Pilots",
    "Owls",
];

/// Names as they appear in real libraries, beyond plain ASCII.
const WORLD: &[&str] = &[
    "Björk",
    "Sigur Rós",
    "Motörhead",
    "Beyoncé",
    "Mötley Crüe",
    "Ólafur Arnalds",
    "Antonín Dvořák",
    "Zoë Keating",
    "Café Tacvba",
    "Мельница",
    "坂本龍一",
    "東京事変",
    "Ελευθερία Αρβανιτάκη",
    "Fairuz فيروز",
    "BTS 방탄소년단",
    "Røyksopp",
    "Ñu",
    "Françoise Hardy",
    "Håkan Hellström",
    "Hämatom",
    "Łąki Łan",
    "Œuvre Noire",
    "🎵 Emoji Band",
    "Ásgeir",
];

const WORDS: &[&str] = &[
    "love", "night", "river", "light", "home", "fire", "rain", "heart", "road", "summer", "dance",
    "ghost", "glass", "ocean", "star", "winter", "city", "dream", "gold", "shadow", "morning",
    "stone", "wire", "garden", "echo", "silence", "thunder", "paper", "mirror",
];

const WORLD_WORDS: &[&str] = &[
    "für",
    "élan",
    "café",
    "niño",
    "ça",
    "søndag",
    "хорошо",
    "夜",
    "사랑",
    "ἀγάπη",
    "naïve",
    "déjà vu",
    "smörgås",
    "façade",
    "jalapeño",
];

const GENRES: &[&str] = &[
    "Rock",
    "Pop",
    "Alternative",
    "Electronic",
    "Jazz",
    "Classical",
    "Hip-Hop/Rap",
    "Soundtrack",
    "Folk",
    "R&B/Soul",
    "Metal",
    "Country",
    "Reggae",
    "Blues",
    "Ambient",
    "World",
    "Singer/Songwriter",
];

/// A band or person.
pub(super) fn artist(rng: &mut ChaCha8Rng) -> String {
    match rng.random_range(0..10) {
        0 => pick(rng, WORLD).to_owned(),
        // Duos are where `&` in names comes from.
        1 => format!("{} & {}", person(rng), person(rng)),
        2..=4 => person(rng),
        5..=6 => format!("{} {}", pick(rng, FIRST), pick(rng, SECOND)),
        _ => format!("The {} {}", pick(rng, FIRST), pick(rng, SECOND)),
    }
}

fn person(rng: &mut ChaCha8Rng) -> String {
    let given = [
        "Anna", "José", "Mia", "Lars", "Noor", "Kenji", "Élodie", "Sam", "Ines", "Tom",
    ];
    let family = [
        "Berg",
        "Núñez",
        "Okafor",
        "Lindqvist",
        "Tanaka",
        "O'Brien",
        "Weiß",
        "Kowalski",
    ];
    format!("{} {}", pick(rng, &given), pick(rng, &family))
}

/// An album or song title of one to three words.
pub(super) fn title(rng: &mut ChaCha8Rng) -> String {
    let words = rng.random_range(1..=3);
    let mut out = String::new();
    for i in 0..words {
        if i > 0 {
            out.push(' ');
        }
        let word = if rng.random_ratio(1, 12) {
            pick(rng, WORLD_WORDS)
        } else {
            pick(rng, WORDS)
        };
        if i == 0 {
            capitalize_into(&mut out, word);
        } else {
            out.push_str(word);
        }
    }
    match rng.random_range(0..40) {
        0 => out.push_str(" & More"),
        1 => out.push_str(" <3"),
        2 => out.push_str(" (Live > Studio)"),
        3 => out.push_str(" (Remastered 2011)"),
        4 => out.push_str(" \"Quoted\""),
        _ => {}
    }
    out
}

fn capitalize_into(out: &mut String, word: &str) {
    let mut chars = word.chars();
    if let Some(first) = chars.next() {
        out.extend(first.to_uppercase());
        out.push_str(chars.as_str());
    }
}

pub(super) fn genre(rng: &mut ChaCha8Rng) -> String {
    pick(rng, GENRES).to_owned()
}

/// The `Kind` text, localized as the exporting Mac was.
pub(super) fn kind(rng: &mut ChaCha8Rng, video: bool) -> String {
    let audio = [
        "MPEG audio file",
        "AAC audio file",
        "Purchased AAC audio file",
        "Apple Lossless audio file",
        "Apple Music AAC audio file",
        "Fichier audio MPEG",
        "AAC-Audiodatei",
        "Archivo de audio AAC",
        "MPEG-ljudfil",
        "Protected AAC audio file",
    ];
    let videos = [
        "MPEG-4 video file",
        "Purchased MPEG-4 video file",
        "QuickTime-Film",
    ];
    pick(rng, if video { &videos[..] } else { &audio[..] }).to_owned()
}

/// A `file://` URL under the music folder, percent-encoded as Music does.
pub(super) fn file_url(folder: &str, artist: &str, album: &str, number: u32, name: &str) -> String {
    let mut url = format!("{}{folder}/", super::MUSIC_FOLDER);
    for part in [artist, album] {
        percent_encode_into(&mut url, part);
        url.push('/');
    }
    percent_encode_into(&mut url, &format!("{number:02} {name}.m4a"));
    url
}

/// Percent-encodes like Music's file URLs: unreserved ASCII and a few
/// punctuation marks stay, everything else (spaces, non-ASCII) is escaped.
/// `&` stays as it is, which is why exports are full of `&#38;`.
fn percent_encode_into(out: &mut String, text: &str) {
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~&'()!,".contains(&b) {
            out.push(char::from(b));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
}

fn pick<'a>(rng: &mut ChaCha8Rng, list: &[&'a str]) -> &'a str {
    // The lists are constants and never empty.
    list.choose(rng).copied().unwrap_or_default()
}
