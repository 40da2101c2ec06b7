"""Writes cloudsync(1) in roff from the command tree help_tree reads.

Layout: NAME and SYNOPSIS from the program's help, its options, then one
COMMANDS subsection per subcommand (usage, description, arguments, options,
its own notes and examples), then the program's footer, where a paragraph
headed "Title:" becomes a section of its own (EXIT STATUS, EXAMPLES...).
"""

import re


def escape(text):
    """roff-safe text: backslashes and minus signs escaped, no line read as a request."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return re.sub(r"^([.'])", r"\\&\1", text, flags=re.MULTILINE)


def _paragraphs(text):
    return [p for p in re.split(r"\n\s*\n", text.strip("\n")) if p.strip()]


def _text_block(paragraph):
    """A paragraph: filled when it is plain prose, kept as laid out when indented (tables, examples)."""
    lines = paragraph.splitlines()
    if all(not line.startswith(" ") for line in lines):
        return [".PP", escape(" ".join(line.strip() for line in lines))]
    return [".PP", ".nf", *(escape(line) for line in lines), ".fi"]


def _section_heading(title):
    return [f'.SH "{escape(title.upper())}"']


def _paragraph_heading(title):
    return [".PP", f'.B "{escape(title)}:"']


def _footer(text, heading):
    """Footer paragraphs; one whose first line is just "Title:" gets heading(title) above it."""
    out = []
    for paragraph in _paragraphs(text):
        first, _, rest = paragraph.partition("\n")
        if re.fullmatch(r"[A-Z][A-Za-z ]*:", first.strip()) and rest.strip():
            out += heading(first.strip()[:-1])
            out += _text_block(rest)
        else:
            out += _text_block(paragraph)
    return out


def _entries(options, positionals):
    out = []
    for positional in positionals:
        out += [".TP", f"\\fI{escape(positional.name)}\\fR" + ("" if positional.required else " (optional)")]
        out += [escape(positional.help)]
    for option in options:
        names = ", ".join(f"\\fB{escape(n)}\\fR" for n in option.names)
        value = f" \\fI{escape(option.value)}\\fR" if option.value else ""
        out += [".TP", names + value, escape(option.help)]
    return out


def render(root, version):
    """The whole man page as a string."""
    out = [
        f'.TH CLOUDSYNC 1 "" "cloudsync {escape(version)}" "User Commands"',
        ".SH NAME",
        f"cloudsync \\- {escape(root.description)}",
        ".SH SYNOPSIS",
        f"\\fBcloudsync\\fR {escape(root.usage.split(None, 1)[1] if ' ' in root.usage else '')}",
    ]
    for command in root.walk():
        if command is not root and not command.subcommands:
            out += [".br", f"\\fBcloudsync {escape(' '.join(command.path))}\\fR {escape(_arguments(command))}"]
    out += [".SH DESCRIPTION", escape(root.description)]
    out += [".SH OPTIONS", *_entries(root.options, root.positionals)]
    out += [".SH COMMANDS"]
    for command in root.walk():
        if command is root:
            continue
        out += [f'.SS "cloudsync {escape(" ".join(command.path))}"', escape(command.description)]
        if command.usage:
            out += [".PP", f"Usage: \\fB{escape(command.usage)}\\fR"]
        entries = _entries(command.options, command.positionals)
        if entries:
            out += [".PP", "Arguments and options:", ".RS", *entries, ".RE"]
        if command.subcommands:
            names = ", ".join(f"\\fB{escape(sub.path[-1])}\\fR" for sub in command.subcommands)
            out += [".PP", f"Subcommands: {names}."]
        out += _footer(command.footer, _paragraph_heading)
    if root.footer.strip():
        out += [".SH NOTES", *_footer(root.footer, _section_heading)]
    out += [".SH SEE ALSO", "\\fBcloudsync providers\\fR for every backend option's kind, default and meaning."]
    return "\n".join(out) + "\n"


def _arguments(command):
    """What follows the command's name in its usage line ("[OPTIONS] NAME URL")."""
    words = command.usage.split()
    prefix = ["cloudsync", *command.path]
    return " ".join(words[len(prefix) :]) if words[: len(prefix)] == prefix else "[OPTIONS]"
