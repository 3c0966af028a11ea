#pragma once
// Options files checked before PETSc reads them, so that a bad file is one clear message instead
// of a PETSc traceback from PetscInitialize (or an unbalanced quote PETSc silently keeps). runMain
// (core/session.hpp) checks every file of its command line this way on rank 0.
//
//  * -options_file: a plain PETSc options file. Per line, '#' starts a comment; a line holds
//    "-name [value]" (the name a letter after "-" or "--") or "alias -a -b", with balanced double
//    quotes. The files it includes (-options_file, -options_file_yaml lines) are checked in turn,
//    at most 8 levels deep.
//  * -options_file_yaml: must parse with libyaml (the parser PETSc uses) to a mapping at the top
//    level of every document.
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
