"""One JSON form for listings: what `cloudsync ls --json` prints, what
cloudsync_list, the listing iterator and cloudsync_storage_head return, and
the objects inside plans all validate against capi/schema/listing.schema.json,
and the command-line tool and the C ABI describe the same folder identically.

Run: CLOUDSYNC_LIBRARY=/path/to/libcloudsync.so python3 test_listing_schema.py --cli /path/to/cloudsync
"""
import argparse
import ctypes
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import unittest

import jsonschema

SCHEMA_FILE = pathlib.Path(__file__).resolve().parents[2] / "capi" / "schema" / "listing.schema.json"
SCHEMA = json.loads(SCHEMA_FILE.read_text())
LISTING = jsonschema.Draft202012Validator(SCHEMA)
ENTRY = jsonschema.Draft202012Validator({"$ref": "#/$defs/entry", "$defs": SCHEMA["$defs"]})
CLI = None

# The ABI's prototypes for ctypes are the Python package's (python/cloudsync/_native.py).
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "python"))
from cloudsync import _native  # noqa: E402

LIB = _native.lib()


def take(ptr):
    if not ptr.value:
        return None
    try:
        return json.loads(ctypes.string_at(ptr.value).decode())
    finally:
        LIB.cloudsync_free(ptr)


def call(fn, *args):
    ptr = ctypes.c_void_p()
    rc = fn(*args, ctypes.byref(ptr))
    value = take(ptr)
    if rc != 0:
        raise AssertionError(f"{fn.__name__} returned {rc}")
    return value


def iterate(storage, prefix, options):
    it = ctypes.c_void_p()
    assert LIB.cloudsync_storage_list_begin(storage, prefix, json.dumps(options).encode(), None, ctypes.byref(it)) == 0
    entries = []
    try:
        while (entry := call(LIB.cloudsync_list_next, it)) is not None:
            entries.append(entry)
    finally:
        LIB.cloudsync_list_end(it)
    return entries


def by_key(entries):
    return sorted(entries, key=lambda e: e["key"])


class ListingSchema(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = pathlib.Path(self.tmp.name) / "store"
        (self.root / "sub" / "deep").mkdir(parents=True)
        (self.root / "a.txt").write_text("alpha")
        (self.root / "sub" / "b.txt").write_text("bravo!!")
        (self.root / "sub" / "deep" / "c.txt").write_text("c")
        self.url = self.root.as_uri()

    def tearDown(self):
        self.tmp.cleanup()

    def cli_ls(self, *flags):
        done = subprocess.run([CLI, "ls", self.url, "--json", *flags], capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stderr)
        return json.loads(done.stdout)

    def assert_valid(self, validator, doc):
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        self.assertEqual([f"{list(e.path)}: {e.message}" for e in errors], [], json.dumps(doc))

    def test_cli_and_c_abi_listings_are_one_form(self):
        for recursive in (True, False):
            with self.subTest(recursive=recursive):
                cli = self.cli_ls(*(["-R"] if recursive else []))
                c_doc = call(LIB.cloudsync_list, self.url.encode(), json.dumps({"recursive": recursive}).encode())
                self.assert_valid(LISTING, cli)
                self.assert_valid(LISTING, c_doc)
                self.assertEqual(cli["url"], c_doc["url"])
                self.assertEqual(by_key(cli["entries"]), by_key(c_doc["entries"]))
                storage = ctypes.c_void_p()
                self.assertEqual(LIB.cloudsync_storage_open(self.url.encode(), None, ctypes.byref(storage)), 0)
                try:
                    entries = iterate(storage, None, {"recursive": recursive, "page_size": 1})
                finally:
                    LIB.cloudsync_storage_close(storage)
                for entry in entries:
                    self.assert_valid(ENTRY, entry)
                self.assertEqual(by_key(entries), by_key(cli["entries"]))
        keys = {e["key"]: e for e in self.cli_ls("-R")["entries"]}
        self.assertEqual(set(keys), {"a.txt", "sub/b.txt", "sub/deep/c.txt"})
        self.assertEqual((keys["sub/b.txt"]["kind"], keys["sub/b.txt"]["size"]), ("file", 7))
        one_level = {e["key"]: e for e in self.cli_ls()["entries"]}
        self.assertEqual(one_level["sub/"], {"key": "sub/", "kind": "directory"})

    def test_the_version_1_members_of_cloudsync_list_remain(self):
        doc = call(LIB.cloudsync_list, self.url.encode(), b'{"recursive": false}')
        self.assertEqual(doc["folders"], ["sub/"])
        self.assertEqual([o["key"] for o in doc["objects"]], ["a.txt"])
        self.assertEqual(doc["objects"][0], next(e for e in doc["entries"] if e["key"] == "a.txt"))

    def test_head_and_plan_objects_are_entries(self):
        storage = ctypes.c_void_p()
        self.assertEqual(LIB.cloudsync_storage_open(self.url.encode(), None, ctypes.byref(storage)), 0)
        try:
            head = call(LIB.cloudsync_storage_head, storage, b"sub/b.txt", None)
        finally:
            LIB.cloudsync_storage_close(storage)
        self.assert_valid(ENTRY, head)
        self.assertEqual((head["key"], head["size"], head["kind"]), ("sub/b.txt", 7, "file"))
        listed = next(e for e in self.cli_ls("-R")["entries"] if e["key"] == "sub/b.txt")
        self.assertEqual(head, listed)

        plan = ctypes.c_void_p()
        dest = pathlib.Path(self.tmp.name) / "copy"
        self.assertEqual(LIB.cloudsync_plan_sync(self.url.encode(), dest.as_uri().encode(), None, ctypes.byref(plan)), 0)
        try:
            doc = call(LIB.cloudsync_plan_json, plan)
        finally:
            LIB.cloudsync_plan_free(plan)
        sources = [a["source"] for a in doc["actions"] if "source" in a]
        self.assertEqual(len(sources), 3)
        for source in sources:
            self.assert_valid(ENTRY, source)

    def test_a_key_that_is_not_utf8_still_makes_valid_json(self):
        os.close(os.open(os.fsencode(self.root) + b"/bad\xff.txt", os.O_CREAT | os.O_WRONLY, 0o644))
        done = subprocess.run([CLI, "ls", self.url, "--json"], capture_output=True)
        cli = json.loads(done.stdout.decode("utf-8"))  # strict: fails on invalid UTF-8
        c_doc = call(LIB.cloudsync_list, self.url.encode(), b'{"recursive": false}')
        for doc in (cli, c_doc):
            self.assert_valid(LISTING, doc)
            self.assertIn("bad\ufffd.txt", [e["key"] for e in doc["entries"]])

    def test_the_schema_rejects_what_it_should(self):
        # The schema is not a blank cheque: a wrong kind, a missing size, an unknown member fail.
        self.assertFalse(ENTRY.is_valid({"key": "a", "kind": "folder"}))
        self.assertFalse(ENTRY.is_valid({"key": "a", "kind": "file"}))
        self.assertFalse(ENTRY.is_valid({"key": "a", "kind": "file", "size": 1, "colour": "red"}))
        self.assertFalse(LISTING.is_valid({"objects": []}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    args, rest = parser.parse_known_args()
    CLI = args.cli
    unittest.main(argv=[sys.argv[0], *rest])
