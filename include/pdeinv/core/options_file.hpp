#pragma once
// Options files checked before PETSc reads them, so that a bad file is one clear message instead
// of a PETSc traceback from PetscInitialize (or an unbalanced quote PETSc silently keeps). runMain
// (core/session.hpp) checks every file of its command line this way on rank 0.
//
//  * -options_file: a plain PETSc options file. Per line, '#' starts a comment; a line holds
//    "-name [value]" (the name a letter after "-" or "--") or "alias -a -b", with balanced double
//    quotes. The files it includes (-options_file, -options_file_yaml lines, in any case, as PETSc
//    reads them) are checked in turn, at most 8 levels deep; a file that includes itself,
//    directly or not, is refused (PETSc would follow it until its stack overflows).
//  * -options_file_yaml: must parse with libyaml (the parser PETSc uses) to a mapping at the top
//    level of every document. PETSc then walks the mappings (nested ones, merge keys "<<", the
//    YAML files that "$$name: !include file" pairs include) without a bound: the same walk here
//    refuses an alias that makes a mapping contain itself, more than 64 levels of nesting, more
//    than 100000 mappings walked (aliases repeat parts), and checks the included files in turn.
//  * Either must not be a pipe (pdeinv reads it once to check it and PETSc once more: a pipe
//    would be empty the second time), nor larger than 16 MiB (/dev/zero never ends).
//  * -options_string_yaml values, on the command line and in plain files, are checked as YAML
//    files are.
#include <string>

namespace pdeinv {

// The problem with the options file `path` given to `flag` ("-options_file" or
// "-options_file_yaml"), naming the file and the line, or "" when it passes. Reads on the calling
// rank alone.
std::string checkOptionsFile(const std::string& flag, const std::string& path);

// checkOptionsFile for every -options_file / -options_file_yaml of a command line (argv[0] is
// the program): the first problem, or "". A flag without a file name is a problem too.
std::string checkOptionsFiles(int argc, char** argv);

}  // namespace pdeinv
