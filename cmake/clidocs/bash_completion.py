"""Writes the bash completion of cloudsync from the command tree help_tree reads.

The script holds the tree as tables (subcommands, options, which options take
a value and of what kind, positional kinds) and one function that walks the
words typed so far through them. It works with the bash-completion package
(whose _init_completion keeps "s3://b" and "key=value" whole) and without it.
"""

import re

# What a value or positional is, from its placeholder in the help.
URL, LOCAL_FILE, LOCAL_DIR, BACKEND_OPTION, OTHER = "url", "file", "dir", "option", "none"


def value_kind(placeholder, option_names=()):
    """The kind of a value from its placeholder ("URL", "DIR", "KEY=VALUE"...) and the option's names."""
    if any(name == "--option" or name.endswith("-option") for name in option_names):
        return BACKEND_OPTION  # -o, --src-option, --dst-option: a backend option KEY=VALUE
    word = placeholder.split("=", 1)[0].upper()
    if word in ("URL", "SRC", "DST"):
        return URL
    if word in ("DIR", "ROOT"):
        return LOCAL_DIR
    if word in ("FILE", "PATH"):
        return LOCAL_FILE
    return OTHER


def _quote(text):
    return "'" + text.replace("'", "'\\''") + "'"


def _assign(key, value):
    return f"  [{_quote(key)}]={_quote(value)}"


def render(root, schemes, option_keys):
    """The completion script as a string."""
    commands, options, valued, positionals = [], [], [], []
    for command in root.walk():
        key = " ".join(["cloudsync", *command.path])
        if command.subcommands:
            commands.append(_assign(key, " ".join(sub.path[-1] for sub in command.subcommands)))
        options.append(_assign(key, " ".join(n for o in command.options for n in o.names)))
        for option in command.options:
            if option.value:
                for name in option.names:
                    valued.append(_assign(f"{key} {name}", value_kind(option.value, option.names)))
        if command.positionals:
            kinds = " ".join(value_kind(p.name) for p in command.positionals)
            positionals.append(_assign(key, kinds))
    scheme_words = " ".join(f"{s}://" for s in schemes)
    option_words = " ".join(f"{k}=" for k in option_keys)
    return TEMPLATE.format(
        commands="\n".join(commands),
        options="\n".join(options),
        valued="\n".join(valued),
        positionals="\n".join(positionals),
        schemes=_quote(scheme_words),
        option_keys=_quote(option_words),
    )


TEMPLATE = r"""# bash completion for cloudsync. Generated at build time from `cloudsync --help`
# and each subcommand's --help (cmake/clidocs); do not edit.

declare -gA _cloudsync_commands=(
{commands}
)
declare -gA _cloudsync_options=(
{options}
)
# "<command> <option>" -> the kind of value the option takes: url, file, dir, option, none.
declare -gA _cloudsync_valued=(
{valued}
)
# "<command>" -> the kind of each positional argument, in order (the last one repeats).
declare -gA _cloudsync_positionals=(
{positionals}
)
_cloudsync_schemes={schemes}
_cloudsync_option_keys={option_keys}

# Fills COMPREPLY with the candidates for a value of the given kind.
_cloudsync_complete_value() {{
  local kind=$1 cur=$2
  case $kind in
    url)
      COMPREPLY=($(compgen -W "$_cloudsync_schemes" -- "$cur") $(compgen -f -- "$cur"))
      [[ ${{#COMPREPLY[@]}} -eq 1 && ${{COMPREPLY[0]}} == *:// ]] && compopt -o nospace 2>/dev/null
      ;;
    file) COMPREPLY=($(compgen -f -- "$cur")) ;;
    dir) COMPREPLY=($(compgen -d -- "$cur")) ;;
    option)
      COMPREPLY=($(compgen -W "$_cloudsync_option_keys" -- "$cur"))
      [[ ${{#COMPREPLY[@]}} -eq 1 && ${{COMPREPLY[0]}} == *= ]] && compopt -o nospace 2>/dev/null
      ;;
    *) COMPREPLY=() ;;
  esac
}}

_cloudsync() {{
  local cur prev words cword
  if declare -F _init_completion >/dev/null; then
    _init_completion -n =: || return
  else
    words=("${{COMP_WORDS[@]}}") cword=$COMP_CWORD
    cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD - 1]}}
  fi
  # Walk the words before the cursor: subcommands descend, an option's value is
  # skipped, anything else is a positional argument.
  local command=cloudsync word i npos=0 skip=0
  for ((i = 1; i < cword; i++)); do
    word=${{words[i]}}
    if ((skip)); then skip=0; continue; fi
    case $word in
      -*=*) ;;
      -*) [[ -n ${{_cloudsync_valued["$command $word"]+x}} ]] && skip=1 ;;
      *)
        if [[ " ${{_cloudsync_commands[$command]}} " == *" $word "* ]]; then
          command="$command $word" npos=0
        else
          ((npos++))
        fi
        ;;
    esac
  done
  COMPREPLY=()
  if ((skip)); then
    _cloudsync_complete_value "${{_cloudsync_valued["$command $prev"]}}" "$cur"
  elif [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "${{_cloudsync_options[$command]}}" -- "$cur"))
  elif [[ -n ${{_cloudsync_commands[$command]}} ]]; then
    COMPREPLY=($(compgen -W "${{_cloudsync_commands[$command]}}" -- "$cur"))
  elif [[ -n ${{_cloudsync_positionals[$command]}} ]]; then
    local kinds=(${{_cloudsync_positionals[$command]}})
    ((npos < ${{#kinds[@]}})) || npos=$((${{#kinds[@]}} - 1))
    _cloudsync_complete_value "${{kinds[npos]}}" "$cur"
  fi
  declare -F __ltrim_colon_completions >/dev/null && __ltrim_colon_completions "$cur"
  return 0
}}
complete -F _cloudsync cloudsync
"""
