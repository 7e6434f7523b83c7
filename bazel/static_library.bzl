"""static_library: one archive of a target's own objects and its deps'.

Bazel's cc_library archives only its own sources; an embedder who links
statically wants one libpyinstrument.a. This rule gathers the PIC static
archives of every library in the target's transitive closure that this
workspace builds (system libraries arrive as link flags, not archives, and
stay out) and merges them with `ar -M`.

The system libraries are what the archive still needs at link time. Their
one owner is third_party/BUILD.bazel (the `linkopts` of its targets); this
rule collects the link flags it finds on the same walk and writes them, one
per line, to `<out>.link_flags` (output group "link_flags"), so that the
installed pkg-config and CMake files (tools/install.sh) never keep a second
copy of that list. `runtime_link_flags` are appended: what the C++ toolchain
adds to every C++ link and a C or CMake-C link of this archive must add
itself.
"""

def _static_library_impl(ctx):
    archives = []
    flags = []
    for dep in ctx.attr.deps:
        for linker_input in dep[CcInfo].linking_context.linker_inputs.to_list():
            for library in linker_input.libraries:
                archive = library.pic_static_library or library.static_library
                if archive != None and archive not in archives:
                    archives.append(archive)
            flags.extend(linker_input.user_link_flags)
    flags.extend(ctx.attr.runtime_link_flags)

    # The walk lists a library's dependents before it. A flag named twice
    # keeps its last place: after everything that needs it, the order a
    # one-pass static link requires.
    unique = []
    for index, flag in enumerate(flags):
        if flag not in flags[index + 1:]:
            unique.append(flag)

    output = ctx.actions.declare_file(ctx.attr.out)
    script = "CREATE {}\n".format(output.path)
    for archive in archives:
        script += "ADDLIB {}\n".format(archive.path)
    script += "SAVE\nEND\n"
    ctx.actions.run_shell(
        inputs = archives,
        outputs = [output],
        command = "ar -M <<'MRI'\n{}MRI\n".format(script),
        mnemonic = "MergeArchives",
        progress_message = "Merging %d archives into %s" % (len(archives), output.short_path),
    )

    link_flags = ctx.actions.declare_file(ctx.attr.out + ".link_flags")
    ctx.actions.write(link_flags, "".join([flag + "\n" for flag in unique]))
    return [
        DefaultInfo(files = depset([output])),
        OutputGroupInfo(link_flags = depset([link_flags])),
    ]

static_library = rule(
    implementation = _static_library_impl,
    attrs = {
        "deps": attr.label_list(providers = [CcInfo]),
        "out": attr.string(mandatory = True),
        "runtime_link_flags": attr.string_list(
            doc = "Appended to the collected flags: the language runtime " +
                  "a link with the C driver does not add by itself.",
        ),
    },
)
