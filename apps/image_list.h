// effnet-infer's images: the files named by --image (files and directories)
// and by --list FILE, expanded into one ordered list of image paths.
#pragma once
#include <string>
#include <vector>

namespace effnet::app {

// The images in `dir`, not recursive: every regular file directly inside (a
// symlink to one counts) whose first bytes are those of a PNG or a JPEG
// (model/image_decode.h), sorted by file name; a file that cannot be opened is
// kept, so that decoding reports it. Throws FileError "<dir>: cannot read the
// directory (<reason>)" and "<dir>: no PNG or JPEG file in the directory".
std::vector<std::string> images_in_directory(const std::string& dir);

// The paths of the list file `path`: one per line, blank lines and lines that
// start with '#' ignored, a trailing '\r' removed, relative paths taken from
// the list file's directory. Throws FileError "--list <path>: ..." when it
// cannot be read (missing, a directory, a FIFO) or names no path.
std::vector<std::string> read_image_list(const std::string& path);

// `args` (--image) then the lines of `list_file` (--list; none when empty), in
// that order, each directory replaced by images_in_directory. Paths that are
// no directory are kept as given (a missing file is reported when decoded).
std::vector<std::string> expand_images(const std::vector<std::string>& args, const std::string& list_file);

}  // namespace effnet::app
