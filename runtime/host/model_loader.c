/* Loading an object compiled for this machine: linked into a shared library with the
 * system's C compiler, then dlopen'ed; the model is found by its descriptor symbol. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "failure.h"
#include "modelc/host_runner.h"

extern char **environ;

const modelc_model_info *modelc_host_load(const char *object_path, const char *model_name, void **handle,
                                          char *error, size_t error_size) {
  *handle = NULL;
  const size_t length = strlen(object_path);
  char *library = malloc(length + 4);
  if (!library) return modelc_host_fail(error, error_size, "out of memory"), NULL;
  memcpy(library, object_path, length + 1);
  if (length > 2 && strcmp(library + length - 2, ".o") == 0) library[length - 2] = '\0';
  strcat(library, ".so");
  const char *compiler = getenv("CC");
  if (!compiler || !*compiler) compiler = "cc";
  /* No shell: the paths are arguments as they are. */
  char *const argv[] = {(char *)compiler, "-shared", "-o", library, (char *)object_path, NULL};
  pid_t child;
  int status = 0;
  if (posix_spawnp(&child, compiler, NULL, NULL, argv, environ) != 0 || waitpid(child, &status, 0) != child ||
      !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    modelc_host_fail(error, error_size, "%s: cannot link it into a shared library with %s", object_path, compiler);
    free(library);
    return NULL;
  }
  /* A path without a slash would be searched for in the library path. */
  char *loadable = malloc(strlen(library) + 3);
  if (!loadable) {
    free(library);
    return modelc_host_fail(error, error_size, "out of memory"), NULL;
  }
  strcpy(loadable, strchr(library, '/') ? "" : "./");
  strcat(loadable, library);
  free(library);
  void *opened = dlopen(loadable, RTLD_NOW | RTLD_LOCAL);
  free(loadable);
  if (!opened) return modelc_host_fail(error, error_size, "dlopen: %s", dlerror()), NULL;
  const size_t symbol_length = strlen(model_name) + sizeof "_model_info";
  char *symbol = malloc(symbol_length);
  if (!symbol) {
    dlclose(opened);
    return modelc_host_fail(error, error_size, "out of memory"), NULL;
  }
  strcpy(symbol, model_name);
  strcat(symbol, "_model_info");
  const modelc_model_info *model = (const modelc_model_info *)dlsym(opened, symbol);
  free(symbol);
  if (!model) {
    dlclose(opened);
    return modelc_host_fail(error, error_size, "%s: no model named '%s' in it", object_path, model_name), NULL;
  }
  *handle = opened;
  return model;
}

void modelc_host_unload(void *handle) {
  if (handle) dlclose(handle);
}
