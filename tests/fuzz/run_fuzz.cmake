# One bounded fuzz run for ctest: FUZZER runs SECONDS seconds on a fresh
# copy (under WORK) of the committed seed corpus SEEDS, so runs never touch
# the checkout. libFuzzer exits non-zero on a crash, a leak or a sanitizer
# report; the input that did it is left in WORK/artifacts/.
foreach(v FUZZER SEEDS WORK SECONDS)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "run_fuzz.cmake: ${v} is not set")
  endif()
endforeach()
if(NOT IS_DIRECTORY ${SEEDS})
  message(FATAL_ERROR "no seed corpus at ${SEEDS}")
endif()
file(REMOVE_RECURSE ${WORK}/corpus)
file(MAKE_DIRECTORY ${WORK}/artifacts)
file(COPY ${SEEDS}/ DESTINATION ${WORK}/corpus)
execute_process(
  COMMAND ${FUZZER} -max_total_time=${SECONDS} -rss_limit_mb=2048 -print_final_stats=1
          -artifact_prefix=${WORK}/artifacts/ ${WORK}/corpus
  WORKING_DIRECTORY ${WORK}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${rc}): see ${WORK}/artifacts/")
endif()
